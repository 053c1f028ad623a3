// Batches: one row per batch with its life-cycle timestamps, live counts and usage totals.
// `lease_*` marks the worker validating the batch, so a crashed validation is taken over (a few
// times: `validation_attempts`). `requests_purged_at` marks a finished batch whose request rows were
// dropped because its output and error files are gone (counts and usage stay here).
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { files } from './files.js';
import { projects } from './projects.js';

export const BATCH_STATUSES = [
  'validating',
  'failed',
  'in_progress',
  'finalizing',
  'completed',
  'expired',
  'cancelling',
  'cancelled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const BATCH_MODES = ['auto', 'native', 'direct'] as const;
export type BatchMode = (typeof BATCH_MODES)[number];

export interface ProviderBatchSummary {
  provider: string;
  /** The provider's batch id; null until it returned one. */
  id: string | null;
  status: string;
  requestCounts: { total: number; completed: number; failed: number };
}

export interface BatchErrorEntry {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

const ts = (name: string) => timestamp(name, { withTimezone: true });
const money = (name: string) => numeric(name, { precision: 38, scale: 12 }).notNull().default('0');

export const batches = pgTable(
  'batches',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    endpoint: text('endpoint'),
    inputFileId: text('input_file_id')
      .notNull()
      .references(() => files.id),
    completionWindow: text('completion_window').notNull(),
    status: text('status').$type<BatchStatus>().notNull(),
    outputFileId: text('output_file_id').references(() => files.id),
    errorFileId: text('error_file_id').references(() => files.id),
    errors: jsonb('errors').$type<BatchErrorEntry[]>(),
    metadata: jsonb('metadata').$type<Record<string, string>>(),
    jobName: text('job_name'),
    model: text('model'),
    provider: text('provider'),
    providerBatchId: text('provider_batch_id'),
    /** `auto` (native providers' lines go native), `native` (every line must), `direct`. */
    mode: text('mode').$type<BatchMode>().notNull().default('auto'),
    /** Created with inline `requests` (its batch object then carries `results` once terminal). */
    inlineRequests: boolean('inline_requests').notNull().default(false),
    /** The provider batches of its native lines, as the batch object shows them. */
    providerBatches: jsonb('provider_batches').$type<ProviderBatchSummary[]>().notNull().default([]),
    /** Lines of running provider batches the provider reports done, not yet collected into rows. */
    nativeCompleted: integer('native_completed').notNull().default(0),
    nativeFailed: integer('native_failed').notNull().default(0),
    total: integer('total').notNull().default(0),
    completed: integer('completed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
    /** Of the input tokens, those read from the provider's prompt cache. */
    cachedTokens: bigint('cached_tokens', { mode: 'number' }).notNull().default(0),
    /** Of the output tokens, those spent reasoning. */
    reasoningTokens: bigint('reasoning_tokens', { mode: 'number' }).notNull().default(0),
    inputCost: money('input_cost'),
    outputCost: money('output_cost'),
    createdAt: ts('created_at').notNull().defaultNow(),
    inProgressAt: ts('in_progress_at'),
    expiresAt: ts('expires_at').notNull(),
    finalizingAt: ts('finalizing_at'),
    completedAt: ts('completed_at'),
    failedAt: ts('failed_at'),
    expiredAt: ts('expired_at'),
    cancellingAt: ts('cancelling_at'),
    cancelledAt: ts('cancelled_at'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: ts('lease_expires_at'),
    /** Validations started; a batch whose validation keeps dying is failed instead of retried forever. */
    validationAttempts: integer('validation_attempts').notNull().default(0),
    /** `output_expires_after.seconds`: the output and error files expire this long after they are written. */
    outputExpiresAfterSeconds: integer('output_expires_after_seconds'),
    requestsPurgedAt: ts('requests_purged_at'),
  },
  (t) => [
    index('batches_project_list_idx').on(t.projectId, t.id),
    index('batches_open_idx')
      .on(t.status)
      .where(sql`status in ('validating', 'in_progress', 'finalizing', 'cancelling')`),
    // Which batch a removed output or error file belonged to (its request rows may go with it).
    index('batches_output_file_idx').on(t.outputFileId).where(sql`output_file_id is not null`),
    index('batches_error_file_idx').on(t.errorFileId).where(sql`error_file_id is not null`),
  ],
);
