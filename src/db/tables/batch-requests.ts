// One row per input line. `state` drives execution: pending → running (leased by a worker) →
// done. A done row holds the final answer (2xx body, upstream error, or a no-answer error code)
// and the tokens and cost it added to its batch, exactly once.
import { sql } from 'drizzle-orm';
import { index, integer, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { batches } from './batches.js';

export type RequestState = 'pending' | 'running' | 'done';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const batchRequests = pgTable(
  'batch_requests',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    lineIndex: integer('line_index').notNull(),
    customId: text('custom_id').notNull(),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    body: text('body').notNull(),
    state: text('state').$type<RequestState>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: ts('lease_expires_at'),
    statusCode: integer('status_code'),
    response: text('response'),
    requestId: text('request_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    inputCost: numeric('input_cost', { precision: 38, scale: 12 }).notNull().default('0'),
    outputCost: numeric('output_cost', { precision: 38, scale: 12 }).notNull().default('0'),
    completedAt: ts('completed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.batchId, t.lineIndex] }),
    index('batch_requests_open_idx').on(t.batchId, t.lineIndex).where(sql`state <> 'done'`),
  ],
);
