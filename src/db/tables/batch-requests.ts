// One row per input line, written twice: by validation (the request) and once more when it ends
// (`state` pending → done) with the final answer (2xx body, upstream error, or a no-answer error
// code) and the tokens (cached input and reasoning output among them) and cost it added to its
// batch, exactly once. Who works on a line is leased per chunk of lines (batch-chunks.ts), not
// per row. A finished batch's rows are purged once its output and error files are gone.
import { boolean, integer, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export type RequestState = 'pending' | 'done';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const batchRequests = pgTable(
  'batch_requests',
  {
    // No foreign key to batches: its check ran once per row of validation's COPY (two thirds of
    // the COPY's time). Rows are only written by the holder of their batch's validation lease, and
    // batches are never deleted (their rows are purged by retention).
    batchId: text('batch_id').notNull(),
    lineIndex: integer('line_index').notNull(),
    customId: text('custom_id').notNull(),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    body: text('body').notNull(),
    /** Sent in its provider's own batch (provider_batches), not by the executor. */
    native: boolean('native').notNull().default(false),
    state: text('state').$type<RequestState>().notNull().default('pending'),
    statusCode: integer('status_code'),
    response: text('response'),
    requestId: text('request_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    /** Of `input_tokens`, those served from the provider's prompt cache (priced at the cached price). */
    cachedTokens: integer('cached_tokens').notNull().default(0),
    /** Of `output_tokens`, those spent reasoning. */
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    inputCost: numeric('input_cost', { precision: 38, scale: 12 }).notNull().default('0'),
    outputCost: numeric('output_cost', { precision: 38, scale: 12 }).notNull().default('0'),
    completedAt: ts('completed_at'),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.lineIndex] })],
);
