// `batches.onUpdate` as SSE events: every snapshot of the batch is `tracked()` with a version id (a
// digest of the snapshot), so a reconnecting client sends the version it holds (`lastEventId`) and
// is not sent that state again; anything newer arrives at once. A server shutting down ends the
// stream with a retryable error, so clients reconnect (elsewhere) instead of thinking it finished.
import { createHash } from 'node:crypto';
import { TRPCError, type TrackedEnvelope, tracked } from '@trpc/server';
import { z } from 'zod';
import { type Batch, isTerminal } from '../../domain/batches/batch.js';
import { WatchBatchInput, watchBatch } from '../../domain/batches/watch-batch.js';
import type { Caller } from '../../domain/caller.js';
import type { TrpcContext } from './context.js';

export const OnUpdateInput = WatchBatchInput.extend({
  /** The id of the last event the client received; set by the tRPC client when it reconnects. */
  lastEventId: z.string().nullish(),
});

export const batchVersion = (batch: Batch): string =>
  createHash('sha256').update(JSON.stringify(batch)).digest('base64url').slice(0, 22);

export async function* batchUpdates(
  ctx: TrpcContext & { caller: Caller },
  input: z.infer<typeof OnUpdateInput>,
  signal: AbortSignal | undefined,
): AsyncGenerator<TrackedEnvelope<Batch>> {
  const stop = signal ? AbortSignal.any([signal, ctx.closing]) : ctx.closing;
  let last: Batch | undefined;
  for await (const batch of await watchBatch(ctx.deps, ctx.caller, { id: input.id }, stop)) {
    last = batch;
    const version = batchVersion(batch);
    if (version !== input.lastEventId) yield tracked(version, batch);
  }
  if (ctx.closing.aborted && !(last && isTerminal(last.status))) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The server is shutting down; reconnect to resume.' });
  }
}
