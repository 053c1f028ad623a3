// Every change of a batch's status, in one place. Each transition is a guarded UPDATE (`WHERE
// status IN (…)`) that stamps its time from `deps.clock`, and announces the batch event once it
// has committed (awaited; a failed announcement is logged, never undoes the transition). Terminal
// transitions run in a transaction of their own, the place where what must happen with them
// atomically happens. Nothing else writes `batches.status`.
//
//   validating ──start──▶ in_progress ──markFinalizing──▶ finalizing ──finish──▶ completed | expired
//        │                    │  (every line ended; or past expires_at: lines end batch_expired) │
//        ├──failValidation──▶ failed        (in_progress ──failRun──▶ failed: a provider refused its part)  │
//        ├──expireDue──▶ expired (never started)                                                │
//        └──cancel──▶ cancelled        in_progress | finalizing ──cancel──▶ cancelling ──finish──▶ cancelled
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { endOpenRows } from '../../db/queries/batch-requests.js';
import { batchChunks } from '../../db/tables/batch-chunks.js';
import { type BatchErrorEntry, type BatchStatus, batches } from '../../db/tables/batches.js';
import { providerBatches } from '../../db/tables/provider-batches.js';
import type { Deps } from '../deps.js';
import { enqueueBatchEvent } from '../webhooks/enqueue-batch-event.js';

export type BatchRow = typeof batches.$inferSelect;
type LifecycleDeps = Pick<Deps, 'db' | 'clock' | 'events' | 'log'>;

/** Every line has ended (counted in `completed + failed`). */
const allLinesEnded = sql`${batches.completed} + ${batches.failed} >= ${batches.total}`;

/** Tell every process (subscriptions, workers) that the batch changed. */
export async function announce(
  deps: Pick<Deps, 'events' | 'log'>,
  row: Pick<BatchRow, 'id' | 'projectId' | 'status'>,
): Promise<void> {
  await deps.events
    .publish({ id: row.id, projectId: row.projectId, status: row.status })
    .catch((error) => deps.log.warn({ err: error, batch: row.id }, 'announcing a batch change failed'));
}

async function announced(deps: LifecycleDeps, row: BatchRow | undefined): Promise<BatchRow | null> {
  if (!row) return null;
  await announce(deps, row);
  return row;
}

/** A terminal UPDATE in a transaction of its own (so what must accompany it commits with it). */
async function terminal(deps: LifecycleDeps, change: (tx: Db) => Promise<BatchRow | undefined>) {
  return announced(
    deps,
    await deps.db.transaction(async (tx) => {
      const row = await change(tx);
      if (row) await enqueueBatchEvent(tx, row); // the webhook outbox commits with the transition
      return row;
    }),
  );
}

/**
 * validating → in_progress: validation (held by `owner`) ingested every line. Each provider batch
 * its native lines go to is recorded with it, to be submitted by the native poller.
 */
export async function start(
  deps: LifecycleDeps,
  id: string,
  owner: string,
  run: {
    endpoint: string | null;
    total: number;
    model: string | null;
    provider: string | null;
    nativeParts: { provider: string; total: number }[];
  },
): Promise<BatchRow | null> {
  const { nativeParts, ...fields } = run;
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    const [started] = await tx
      .update(batches)
      .set({
        ...fields,
        status: 'in_progress',
        inProgressAt: now,
        leaseOwner: null,
        leaseExpiresAt: null,
        providerBatches: nativeParts.map((part) => ({
          provider: part.provider,
          id: null,
          status: 'validating',
          requestCounts: { total: part.total, completed: 0, failed: 0 },
        })),
      })
      .where(and(eq(batches.id, id), eq(batches.status, 'validating'), eq(batches.leaseOwner, owner)))
      .returning();
    if (started && nativeParts.length > 0) {
      await tx.insert(providerBatches).values(nativeParts.map((part) => ({ batchId: id, ...part, nextPollAt: now })));
    }
    return started;
  });
  return announced(deps, row);
}

/**
 * in_progress | cancelling | finalizing → failed, with why: a provider refused or failed the
 * batch's native part. Its open lines end `batch_failed` with it; lines still running elsewhere are
 * aborted when workers hear of it.
 */
export async function failRun(deps: LifecycleDeps, id: string, errors: BatchErrorEntry[]): Promise<BatchRow | null> {
  const now = deps.clock.now();
  return terminal(deps, async (tx) => {
    const [row] = await tx
      .update(batches)
      .set({ status: 'failed', failedAt: now, errors })
      .where(and(eq(batches.id, id), inArray(batches.status, ['in_progress', 'cancelling', 'finalizing'])))
      .returning();
    if (!row) return row;
    return { ...row, failed: row.failed + (await endOpenRows(tx, id, 'batch_failed', now, { all: true })) };
  });
}

/** validating → failed, with why: validation (held by `owner`) found problems. Nothing ran. */
export async function failValidation(
  deps: LifecycleDeps,
  id: string,
  owner: string,
  errors: BatchErrorEntry[],
): Promise<BatchRow | null> {
  return terminal(deps, async (tx) => {
    const [row] = await tx
      .update(batches)
      .set({ status: 'failed', failedAt: deps.clock.now(), errors, leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(batches.id, id), eq(batches.status, 'validating'), eq(batches.leaseOwner, owner)))
      .returning();
    return row;
  });
}

/**
 * Cancel: a batch still validating is cancelled on the spot (nothing ran); a running or
 * finalizing one becomes `cancelling`, its lines that no worker holds end `batch_cancelled` at
 * once, and workers abort the rest when they hear of it (finish then makes it `cancelled`).
 * Returns null when the batch was in neither state (the caller decides what that means).
 */
export async function cancel(deps: LifecycleDeps, id: string): Promise<BatchRow | null> {
  const now = deps.clock.now();
  const unstarted = await terminal(deps, async (tx) => {
    const [row] = await tx
      .update(batches)
      .set({ status: 'cancelled', cancellingAt: now, cancelledAt: now, leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(batches.id, id), eq(batches.status, 'validating')))
      .returning();
    return row;
  });
  if (unstarted) return unstarted;
  const [row] = await deps.db
    .update(batches)
    .set({ status: 'cancelling', cancellingAt: now })
    .where(and(eq(batches.id, id), inArray(batches.status, ['in_progress', 'finalizing'])))
    .returning();
  // Lines end before the announcement: workers react to it by finalizing, which needs them ended.
  if (row) await endOpenRows(deps.db, id, 'batch_cancelled', now);
  return announced(deps, row);
}

/** Lines of cancelling batches left behind (held by a worker that died since) end `batch_cancelled`. */
export async function endCancelledLeftovers(deps: LifecycleDeps): Promise<string[]> {
  const cancelling = await deps.db.select({ id: batches.id }).from(batches).where(eq(batches.status, 'cancelling'));
  const touched: string[] = [];
  for (const { id } of cancelling) {
    if ((await endOpenRows(deps.db, id, 'batch_cancelled', deps.clock.now())) > 0) touched.push(id);
  }
  return touched;
}

/**
 * Expiry at `expires_at` (by `deps.clock`): a batch still validating → expired at once; a running
 * one's open lines end `batch_expired` (finish then makes it `expired`, partial output kept).
 * Returns every overdue running batch, so workers also abort the lines of it they hold, and those
 * whose lines just ended, to finalize.
 */
export async function expireDue(deps: LifecycleDeps): Promise<{ overdue: string[]; ended: string[] }> {
  const now = deps.clock.now();
  const unstarted = await deps.db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.status, 'validating'), lte(batches.expiresAt, now)));
  for (const { id } of unstarted) {
    await terminal(deps, async (tx) => {
      const [row] = await tx
        .update(batches)
        .set({ status: 'expired', expiredAt: now, leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(batches.id, id), eq(batches.status, 'validating')))
        .returning();
      return row;
    });
  }
  const running = await deps.db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.status, 'in_progress'), lte(batches.expiresAt, now)));
  const ended: string[] = [];
  for (const { id } of running) if ((await endOpenRows(deps.db, id, 'batch_expired', now)) > 0) ended.push(id);
  return { overdue: running.map((b) => b.id), ended };
}

/** in_progress → finalizing: every line ended and the batch has time left (else finish makes it expired). */
export async function markFinalizing(deps: LifecycleDeps, id: string): Promise<BatchRow | null> {
  const now = deps.clock.now();
  const [row] = await deps.db
    .update(batches)
    .set({ status: 'finalizing', finalizingAt: now })
    .where(and(eq(batches.id, id), eq(batches.status, 'in_progress'), allLinesEnded, gt(batches.expiresAt, now)))
    .returning();
  return announced(deps, row);
}

/** What finalize produced for a batch: its files, and whether any line ended by expiry. */
export interface FinishedFiles {
  outputFileId: string | null;
  errorFileId: string | null;
  anyExpired: boolean;
}

/**
 * in_progress | finalizing | cancelling → cancelled (a cancel was asked) | expired (a line ended
 * by expiry) | completed, once every line has ended. `writeFiles` runs inside the transaction that
 * holds the batch row's lock and sets the status, so the files and the status commit together and
 * two workers never finalize the same batch. Null when the batch is not ready or someone else has it.
 */
export async function finish(
  deps: LifecycleDeps,
  id: string,
  writeFiles: (tx: Db, batch: BatchRow) => Promise<FinishedFiles>,
): Promise<BatchRow | null> {
  return terminal(deps, async (tx) => {
    const [batch] = await tx
      .select()
      .from(batches)
      .where(
        and(eq(batches.id, id), inArray(batches.status, ['in_progress', 'finalizing', 'cancelling']), allLinesEnded),
      )
      .for('update', { skipLocked: true });
    if (!batch) return undefined;
    const files = await writeFiles(tx, batch);
    // Every line has ended; a chunk row left behind (skipped while locked by a cancel) goes too.
    await tx.delete(batchChunks).where(eq(batchChunks.batchId, id));
    const now = deps.clock.now();
    const status: BatchStatus =
      batch.status === 'cancelling' ? 'cancelled' : files.anyExpired ? 'expired' : 'completed';
    const [row] = await tx
      .update(batches)
      .set({
        status,
        outputFileId: files.outputFileId,
        errorFileId: files.errorFileId,
        finalizingAt: batch.finalizingAt ?? (status === 'completed' ? now : null),
        completedAt: status === 'completed' ? now : null,
        expiredAt: status === 'expired' ? now : null,
        cancelledAt: status === 'cancelled' ? now : null,
      })
      .where(eq(batches.id, id))
      .returning();
    return row;
  });
}
