// The full OpenAI batch object of one batch, as REST answers it for a single batch (retrieve,
// cancel, retry, the event stream): for GoModel's inline-request batches of at most 1,000 lines
// that have ended, `results` holds every line's result in input order. Lists leave it null.
import type { Batch } from '../../domain/batches/batch.js';
import { inlineResults } from '../../domain/batches/batch-results.js';
import type { Caller } from '../../domain/caller.js';
import type { Deps } from '../../domain/deps.js';
import { toOpenAIBatch, toResultItem } from './serialize.js';

export async function batchObject(deps: Pick<Deps, 'db'>, caller: Caller, batch: Batch) {
  const results = await inlineResults(deps, caller, batch);
  return { ...toOpenAIBatch(batch), results: results?.map(toResultItem) ?? null };
}
