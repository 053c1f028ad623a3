// The parts of batches handed to a provider's own batch API: one row per (batch, native provider),
// holding every line of the batch for that provider. The provider's batch id is stored as soon as
// the provider returns it; its status and counts are mirrored on every poll. Any worker may poll
// it, under a lease, when `next_poll_at` is due.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { type BatchErrorEntry, batches } from './batches.js';

/**
 * Ours, not the provider's: `submitting` until the provider batch exists, `running` while it runs,
 * `collected` once its results are stored, `failed` when the provider refused or failed it.
 */
export type ProviderBatchState = 'submitting' | 'running' | 'collected' | 'failed';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const providerBatches = pgTable(
  'provider_batches',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    state: text('state').$type<ProviderBatchState>().notNull().default('submitting'),
    /** The provider's batch id, once it returned one. */
    providerBatchId: text('provider_batch_id'),
    /** The provider's status in OpenAI's vocabulary (`in_progress`, `cancelling`, `completed`, …). */
    status: text('status').notNull().default('validating'),
    total: integer('total').notNull(),
    completed: integer('completed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    errors: jsonb('errors').$type<BatchErrorEntry[]>(),
    /** A cancel was forwarded to the provider (our batch was cancelled or ran out of time). */
    cancelSentAt: ts('cancel_sent_at'),
    submittedAt: ts('submitted_at'),
    nextPollAt: ts('next_poll_at').notNull(),
    /** Calls that failed in a row (submission or polling): the next one waits longer. */
    failures: integer('failures').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: ts('lease_expires_at'),
  },
  (t) => [
    primaryKey({ columns: [t.batchId, t.provider] }),
    // The parts due for a call, looked for by every worker's poller twice a second.
    index('provider_batches_due_idx').on(t.nextPollAt).where(sql`state in ('submitting', 'running')`),
  ],
);
