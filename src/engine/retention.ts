// The retention sweep: files past `expires_at` (by `deps.clock`) are already invisible to every
// API; here they are marked deleted and their bytes freed, and a finished batch whose output and
// error files are thereby all gone loses its request rows (db/queries/file-removal.ts). Runs on
// every worker at once: each takes the expired files nobody else is sweeping (SKIP LOCKED).
import { and, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import { releaseRemovedFiles } from '../db/queries/file-removal.js';
import { files } from '../db/tables/files.js';
import type { Deps } from '../domain/deps.js';

/** Files released per transaction (each may hold up to `maxFileBytes` of chunks). */
const SWEEP_FILES = 50;

/** Sweep expired files until none is left; returns how many were released. */
export async function sweepExpiredFiles(deps: Pick<Deps, 'db' | 'clock'>, signal?: AbortSignal): Promise<number> {
  let released = 0;
  for (;;) {
    const now = deps.clock.now();
    const batch = await deps.db.transaction(async (tx) => {
      const due = tx
        .select({ id: files.id })
        .from(files)
        .where(and(isNull(files.deletedAt), isNotNull(files.expiresAt), lte(files.expiresAt, now)))
        .limit(SWEEP_FILES)
        .for('update', { skipLocked: true });
      const expired = await tx
        .update(files)
        .set({ deletedAt: sql`${files.expiresAt}` })
        .where(inArray(files.id, due))
        .returning({ id: files.id });
      await releaseRemovedFiles(
        tx,
        expired.map((f) => f.id),
        now,
      );
      return expired.length;
    });
    released += batch;
    if (batch < SWEEP_FILES || signal?.aborted) return released;
  }
}
