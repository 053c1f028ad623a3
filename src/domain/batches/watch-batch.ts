// Follow one batch live: its current state at once, then every change the event bus reports
// (already throttled by the engine), ending after a terminal state. The one source of every live
// stream (GraphQL and tRPC subscriptions, REST SSE). Checked before anything streams: another
// project's batch is `not_found`, and a key over its open-stream limit is `rate_limited`. A stream
// whose key is revoked ends with `unauthenticated`.
import type { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, parseInput } from '../errors.js';
import type { StreamLease } from '../keys/live-streams.js';
import { type Batch, isTerminal, toBatch } from './batch.js';
import { findCallerBatchRow } from './find-batch.js';
import { GetBatchInput } from './get-batch.js';

export const WatchBatchInput = GetBatchInput;

const REFRESH_MS = 5000;

type WatchDeps = Pick<Deps, 'db' | 'events' | 'streams'>;

/** Open a watch of one batch; iterate the result to follow it. `signal` ends it (the client left). */
export async function watchBatch(
  deps: WatchDeps,
  caller: Caller,
  input: z.input<typeof WatchBatchInput>,
  signal?: AbortSignal,
): Promise<AsyncGenerator<Batch>> {
  const { id } = parseInput(WatchBatchInput, input);
  await findCallerBatchRow(deps.db, caller, id);
  const lease = deps.streams.acquire(caller);
  // Released when the stream ends or the client leaves, even if it is never iterated.
  signal?.addEventListener('abort', () => lease.release(), { once: true });
  return follow(deps, caller, id, lease, signal ? AbortSignal.any([signal, lease.signal]) : lease.signal);
}

async function* follow(
  deps: WatchDeps,
  caller: Caller,
  id: string,
  lease: StreamLease,
  signal: AbortSignal,
): AsyncGenerator<Batch> {
  // Subscribe before the first read so no change between the two is missed.
  let changed = true;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.events.subscribe((event) => {
    if (event.id !== id) return;
    changed = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    let last = '';
    while (!signal.aborted) {
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
    if (lease.signal.aborted) throw new AppError('unauthenticated', 'The API key was revoked.');
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
    lease.release();
  }
}
