// Follow one batch live: its current state at once, then every change the event bus reports
// (already throttled by the engine), ending after a terminal state. Used by the GraphQL and tRPC
// subscriptions; another project's batch is `not_found` before anything is yielded.
import type { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { type Batch, isTerminal, toBatch } from './batch.js';
import { findCallerBatchRow } from './find-batch.js';
import { GetBatchInput } from './get-batch.js';

export const WatchBatchInput = GetBatchInput;

const REFRESH_MS = 5000;

export async function* watchBatch(
  deps: Pick<Deps, 'db' | 'events'>,
  caller: Caller,
  input: z.input<typeof WatchBatchInput>,
  signal?: AbortSignal,
): AsyncGenerator<Batch> {
  const { id } = parseInput(WatchBatchInput, input);
  // Subscribe before the first read so no change between the two is missed.
  let changed = true;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.events.subscribe((event) => {
    if (event.id !== id) return;
    changed = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    let last = '';
    while (!signal?.aborted) {
      if (!changed) {
        // A missed notification (a dropped LISTEN connection) must not stall a watcher forever.
        const timer = setTimeout(() => {
          changed = true;
          wake?.();
        }, REFRESH_MS);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        clearTimeout(timer);
        wake = undefined;
        continue;
      }
      changed = false;
      const batch = toBatch(await findCallerBatchRow(deps.db, caller, id));
      const snapshot = JSON.stringify(batch);
      if (snapshot !== last) {
        last = snapshot;
        yield batch;
      }
      if (isTerminal(batch.status)) return;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}
