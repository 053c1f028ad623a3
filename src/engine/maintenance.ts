// The slower duties of a worker that are not status transitions, each idempotent and safe to run
// on every worker at once: lease a `validating` batch (so a crashed validation is taken over),
// and drop uploads abandoned mid-way. Lease times are the database's clock.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { batches } from '../db/tables/batches.js';
import { files } from '../db/tables/files.js';
import type { Deps } from '../domain/deps.js';

type BatchRow = typeof batches.$inferSelect;

const leaseUntil = (leaseMs: number) => sql`now() + ${leaseMs}::int * interval '1 millisecond'`;

/** Lease the oldest `validating` batch nobody holds (or whose holder died), counting the attempt. */
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

/** Extend `owner`'s validation lease on `batchId`; false when it is no longer held (taken over, ended). */
export async function renewValidationLease(
  deps: Pick<Deps, 'db'>,
  owner: string,
  batchId: string,
  leaseMs: number,
): Promise<boolean> {
  const renewed = await deps.db
    .update(batches)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(batches.id, batchId), eq(batches.leaseOwner, owner), eq(batches.status, 'validating')))
    .returning({ id: batches.id });
  return renewed.length > 0;
}

/** Let another worker take a validation over at once; on shutdown the attempt is not counted. */
export async function releaseValidation(
  deps: Pick<Deps, 'db'>,
  owner: string,
  batchId: string,
  { uncount }: { uncount: boolean },
): Promise<void> {
  await deps.db
    .update(batches)
    .set({
      leaseOwner: null,
      leaseExpiresAt: null,
      ...(uncount ? { validationAttempts: sql`greatest(${batches.validationAttempts} - 1, 0)` } : {}),
    })
    .where(and(eq(batches.id, batchId), eq(batches.leaseOwner, owner), eq(batches.status, 'validating')));
}

/** Uploads that never finished (their process died) are removed after an hour. */
export async function purgeAbandonedUploads(deps: Pick<Deps, 'db' | 'clock'>): Promise<void> {
  const hourAgo = new Date(deps.clock.now().getTime() - 60 * 60 * 1000);
  await deps.db.delete(files).where(and(eq(files.status, 'uploading'), lt(files.createdAt, hourAgo)));
}
