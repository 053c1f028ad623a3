// Cancel a batch (the transition itself is lifecycle.cancel): claiming stops at once, open
// requests end `batch_cancelled`, finalize keeps the partial output. Cancelling a finished batch
// is a conflict; cancelling one already cancelling answers it as it is.
import type { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, parseInput } from '../errors.js';
import { type Batch, isTerminal, toBatch } from './batch.js';
import { findCallerBatchRow } from './find-batch.js';
import { GetBatchInput } from './get-batch.js';
import { cancel } from './lifecycle.js';

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
    const cancelled = await cancel(deps, id);
    if (cancelled) return toBatch(cancelled);
  }
  throw new AppError('conflict', `Batch ${id} is changing state; try again.`);
}
