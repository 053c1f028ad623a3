// Cancel a batch: claiming stops at once, pending requests end `batch_cancelled`, workers abort
// the ones in flight, and finalize keeps the partial output. A batch still validating is
// cancelled on the spot. Cancelling a terminal batch is a conflict.
import { and, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import { batches } from '../../db/tables/batches.js';
import { endOpenRows } from '../../engine/request-rows.js';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, parseInput } from '../errors.js';
import { type Batch, isTerminal, toBatch } from './batch.js';
import { findCallerBatchRow } from './find-batch.js';
import { GetBatchInput } from './get-batch.js';

export const CancelBatchInput = GetBatchInput;

export async function cancelBatch(deps: Deps, caller: Caller, input: z.input<typeof CancelBatchInput>): Promise<Batch> {
  const { id } = parseInput(CancelBatchInput, input);
  // A concurrent transition (validation finishing, finalize) can win the race: re-read and retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const batch = await findCallerBatchRow(deps.db, caller, id);
    if (isTerminal(batch.status)) {
      throw new AppError('conflict', `Batch ${id} is already ${batch.status} and cannot be cancelled.`);
    }
    if (batch.status === 'cancelling') return toBatch(batch);
    const now = deps.clock.now();
    const validating = batch.status === 'validating';
    const [updated] = await deps.db
      .update(batches)
      .set(
        validating
          ? { status: 'cancelled', cancellingAt: now, cancelledAt: now, leaseOwner: null, leaseExpiresAt: null }
          : { status: 'cancelling', cancellingAt: now },
      )
      .where(
        and(
          eq(batches.id, id),
          validating ? eq(batches.status, 'validating') : inArray(batches.status, ['in_progress', 'finalizing']),
        ),
      )
      .returning();
    if (!updated) continue;
    // End what no worker holds before announcing it: workers react to the event by aborting their
    // rows and finalizing, which only succeeds once every row has ended.
    if (!validating) await endOpenRows(deps.db, id, 'batch_cancelled', 'The batch was cancelled.');
    await deps.events.publish({ id, projectId: updated.projectId, status: updated.status });
    return toBatch(updated);
  }
  throw new AppError('conflict', `Batch ${id} is changing state; try again.`);
}
