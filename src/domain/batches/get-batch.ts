// Retrieve one batch, live counts and usage included.
import { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import { type Batch, toBatch } from './batch.js';
import { findCallerBatchRow } from './find-batch.js';

export const GetBatchInput = z.object({ id: ObjectId });

export async function getBatch(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: z.input<typeof GetBatchInput>,
): Promise<Batch> {
  const { id } = parseInput(GetBatchInput, input);
  return toBatch(await findCallerBatchRow(deps.db, caller, id));
}
