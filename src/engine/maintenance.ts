// The slower duties of a worker, each one idempotent and safe to run on every worker at once:
// lease a `validating` batch, expire overdue batches, end the leftovers of cancelled batches,
// and drop uploads abandoned mid-way.
import { and, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { batches } from '../db/tables/batches.js';
import { files } from '../db/tables/files.js';
import type { Deps } from '../domain/deps.js';
import { endOpenRows } from './request-rows.js';

type BatchRow = typeof batches.$inferSelect;

const leaseUntil = (leaseMs: number) => sql`now() + ${leaseMs}::int * interval '1 millisecond'`;

/** Lease the oldest `validating` batch nobody holds (or whose holder died). */
export async function leaseValidation(
  deps: Pick<Deps, 'db'>,
  owner: string,
  leaseMs: number,
): Promise<BatchRow | null> {
  return deps.db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ id: batches.id })
      .from(batches)
      .where(
        and(
          eq(batches.status, 'validating'),
          or(isNull(batches.leaseExpiresAt), lt(batches.leaseExpiresAt, sql`now()`)),
        ),
      )
      .orderBy(batches.id)
      .limit(1)
      .for('update', { skipLocked: true });
    if (!candidate) return null;
    const [leased] = await tx
      .update(batches)
      .set({
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        validationAttempts: sql`${batches.validationAttempts} + 1`,
      })
      .where(eq(batches.id, candidate.id))
      .returning();
    return leased ?? null;
  });
}

export async function renewValidationLease(deps: Pick<Deps, 'db'>, owner: string, leaseMs: number): Promise<void> {
  await deps.db
    .update(batches)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(batches.leaseOwner, owner), eq(batches.status, 'validating')));
}

/** Let another worker take a validation over at once (shutdown). */
export async function releaseValidation(deps: Pick<Deps, 'db'>, owner: string, batchId: string): Promise<void> {
  await deps.db
    .update(batches)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(batches.id, batchId), eq(batches.leaseOwner, owner), eq(batches.status, 'validating')));
}

/**
 * Batches past `expires_at`: still validating → expired at once; in progress → their open rows end
 * `batch_expired` (finalize then keeps the partial output and sets `expired`). Returns every
 * overdue running batch, so each worker can also abort the rows of it that it holds.
 */
export async function expireDueBatches(deps: Deps): Promise<{ overdue: string[]; changed: string[] }> {
  const now = deps.clock.now();
  const neverStarted = await deps.db
    .update(batches)
    .set({ status: 'expired', expiredAt: now, leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(batches.status, 'validating'), lte(batches.expiresAt, now)))
    .returning();
  for (const b of neverStarted) await deps.events.publish({ id: b.id, projectId: b.projectId, status: b.status });

  const running = await deps.db
    .select({ id: batches.id })
    .from(batches)
    .where(and(eq(batches.status, 'in_progress'), lte(batches.expiresAt, now)));
  const changed: string[] = [];
  for (const b of running) {
    const ended = await endOpenRows(deps.db, b.id, 'batch_expired', 'The batch expired before this request was sent.');
    if (ended > 0) changed.push(b.id);
  }
  return { overdue: running.map((b) => b.id), changed };
}

/** Rows of cancelling batches that no live worker holds end `batch_cancelled`. */
export async function sweepCancelling(deps: Deps): Promise<string[]> {
  const cancelling = await deps.db.select({ id: batches.id }).from(batches).where(eq(batches.status, 'cancelling'));
  const touched: string[] = [];
  for (const b of cancelling) {
    if ((await endOpenRows(deps.db, b.id, 'batch_cancelled', 'The batch was cancelled.')) > 0) touched.push(b.id);
  }
  return touched;
}

/** Uploads that never finished (their process died) are removed after an hour. */
export async function purgeAbandonedUploads(deps: Pick<Deps, 'db'>): Promise<void> {
  await deps.db
    .delete(files)
    .where(and(eq(files.status, 'uploading'), lt(files.createdAt, sql`now() - interval '1 hour'`)));
}
