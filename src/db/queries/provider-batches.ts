// The SQL of provider batches (a batch's lines handed to a provider's own batch API): lease the
// ones due for a call, store what the provider said, mirror their counts and summaries onto the
// batch, read their lines page by page, and end the lines a provider batch gave no result for.
// Leases are the database's clock; the times written on rows come from the caller's clock.
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Db, Query } from '../client.js';
import type { BatchErrorEntry, BatchStatus } from '../tables/batches.js';
import { type ProviderBatchState, providerBatches } from '../tables/provider-batches.js';
import { NO_ANSWER_MESSAGES, type NoAnswerCode } from './no-answer.js';

export type ProviderBatchRow = typeof providerBatches.$inferSelect;

/** Lease up to `limit` provider batches that are due (submitting or running, `next_poll_at` passed). */
export async function leaseDueProviderBatches(
  database: Database,
  owner: string,
  now: Date,
  leaseMs: number,
  limit = 10,
): Promise<ProviderBatchRow[]> {
  const leased = await database.query<{ batch_id: string; provider: string }>(
    `update provider_batches p set lease_owner = $1, lease_expires_at = now() + ($2::int * interval '1 millisecond')
     where p.ctid = any(array(
       select ctid from provider_batches
       where state in ('submitting', 'running') and next_poll_at <= $3::timestamptz
         and (lease_expires_at is null or lease_expires_at < now())
       order by next_poll_at limit $4
       for update skip locked))
     returning p.batch_id, p.provider`,
    [owner, leaseMs, now.toISOString(), limit],
  );
  if (leased.length === 0) return [];
  const found = await database.db
    .select()
    .from(providerBatches)
    .where(
      sql`(${providerBatches.batchId}, ${providerBatches.provider}) in (${sql.join(
        leased.map((l) => sql`(${l.batch_id}, ${l.provider})`),
        sql`, `,
      )})`,
    );
  return found;
}

export interface ProviderBatchChange {
  state?: ProviderBatchState;
  providerBatchId?: string;
  status?: string;
  counts?: { completed: number; failed: number };
  errors?: BatchErrorEntry[];
  cancelSentAt?: Date;
  submittedAt?: Date;
  nextPollAt: Date;
  failures: number;
}

/**
 * Store what the provider said and release `owner`'s lease; the batch's mirror follows
 * (`refreshBatchMirror`). False when `owner` no longer holds the lease (it lapsed and another
 * worker took the part over): nothing is written.
 */
export async function saveProviderBatch(
  db: Db,
  row: ProviderBatchRow,
  owner: string,
  change: ProviderBatchChange,
): Promise<boolean> {
  const { counts, ...rest } = change;
  const saved = await db
    .update(providerBatches)
    .set({ ...rest, ...(counts ?? {}), leaseOwner: null, leaseExpiresAt: null })
    .where(
      and(
        eq(providerBatches.batchId, row.batchId),
        eq(providerBatches.provider, row.provider),
        eq(providerBatches.leaseOwner, owner),
      ),
    )
    .returning({ batchId: providerBatches.batchId });
  return saved.length > 0;
}

/** The provider batch id stored for a part now (null while it is still being submitted). */
export async function storedProviderBatchId(db: Db, row: Pick<ProviderBatchRow, 'batchId' | 'provider'>) {
  const [stored] = await db
    .select({ providerBatchId: providerBatches.providerBatchId })
    .from(providerBatches)
    .where(and(eq(providerBatches.batchId, row.batchId), eq(providerBatches.provider, row.provider)));
  return stored?.providerBatchId ?? null;
}

/**
 * Mirror the batch's provider batches onto it: the summaries its object shows, the provider batch
 * id when there is exactly one, and the counts the providers report for lines not collected yet.
 */
const REFRESH_MIRROR_SQL = `
  update batches b set
    provider_batches = coalesce((
      select jsonb_agg(jsonb_build_object('provider', p.provider, 'id', p.provider_batch_id, 'status', p.status,
        'requestCounts', jsonb_build_object('total', p.total, 'completed', p.completed, 'failed', p.failed))
        order by p.provider)
      from provider_batches p where p.batch_id = b.id), '[]'::jsonb),
    provider_batch_id = (select case when count(*) = 1 then max(p.provider_batch_id) end
      from provider_batches p where p.batch_id = b.id),
    native_completed = coalesce((select sum(p.completed) from provider_batches p
      where p.batch_id = b.id and p.state = 'running'), 0),
    native_failed = coalesce((select sum(p.failed) from provider_batches p
      where p.batch_id = b.id and p.state = 'running'), 0)
  where b.id = $1
  returning b.id, b.project_id as "projectId", b.status`;

/** What the batch's change is announced with. */
export interface MirroredBatch {
  id: string;
  projectId: string;
  status: BatchStatus;
}

export async function refreshBatchMirror(query: Query, batchId: string): Promise<MirroredBatch | undefined> {
  const [row] = await query<MirroredBatch>(REFRESH_MIRROR_SQL, [batchId]);
  return row;
}

/** Every line of a provider batch, to match its results to (no bodies). */
export async function nativeLineRefs(database: Database, batchId: string, provider: string) {
  return database.query<{ lineIndex: number; customId: string; model: string }>(
    `select line_index as "lineIndex", custom_id as "customId", model from batch_requests
     where batch_id = $1 and provider = $2 and native`,
    [batchId, provider],
  );
}

/** A page of a provider batch's lines, in input order, after `afterLine`. */
export async function nativeLinesPage(
  database: Database,
  batchId: string,
  provider: string,
  afterLine: number,
  limit = 1000,
) {
  return database.query<{ lineIndex: number; customId: string; body: string }>(
    `select line_index as "lineIndex", custom_id as "customId", body from batch_requests
     where batch_id = $1 and provider = $2 and native and line_index > $3
     order by line_index limit $4`,
    [batchId, provider, afterLine, limit],
  );
}

/**
 * End every native line of a provider batch that has no outcome yet with `code`, counting them
 * as failed; run in the collection's transaction. Returns how many it ended, by model.
 */
export async function endNativeLines(
  query: Query,
  batchId: string,
  provider: string,
  code: NoAnswerCode,
  at: Date,
): Promise<{ model: string; ended: number }[]> {
  return query<{ model: string; ended: number }>(
    `with ended as (
       update batch_requests set state = 'done', error_code = $3, error_message = $4, completed_at = $5::timestamptz
       where batch_id = $1 and provider = $2 and native and state <> 'done'
       returning model
     ), counted as (
       update batches set failed = failed + (select count(*) from ended)
       where id = $1 and (select count(*) from ended) > 0
       returning 1
     )
     select model, count(*)::int as ended from ended group by model`,
    [batchId, provider, code, NO_ANSWER_MESSAGES[code], at.toISOString()],
  );
}

/**
 * First statement of the collection's transaction: mark the part collected with the provider's
 * last word (its lines all end in this transaction) and release `owner`'s lease. False when the
 * part is not `owner`'s to collect (the lease lapsed and another worker took it, or it was
 * collected already): the transaction must then write nothing.
 */
export async function markCollected(
  query: Query,
  row: ProviderBatchRow,
  owner: string,
  last: { status: string; completed: number; failed: number } | null,
): Promise<boolean> {
  const marked = await query(
    `update provider_batches set state = 'collected', lease_owner = null, lease_expires_at = null,
       status = coalesce($4, status), completed = coalesce($5, completed), failed = coalesce($6, failed)
     where batch_id = $1 and provider = $2 and lease_owner = $3 and state in ('submitting', 'running')
     returning 1`,
    [row.batchId, row.provider, owner, last?.status ?? null, last?.completed ?? null, last?.failed ?? null],
  );
  return marked.length > 0;
}

/** Extend the leases of the provider batches `owner` is working on (a long upload or collection). */
export async function renewProviderBatchLeases(database: Database, owner: string, leaseMs: number): Promise<void> {
  await database.query(
    `update provider_batches
     set lease_expires_at = now() + ($2::int * interval '1 millisecond')
     where lease_owner = $1`,
    [owner, leaseMs],
  );
}
