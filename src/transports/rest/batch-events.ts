// GET /v1/batches/:id/events: one batch's life as Server-Sent Events. Each event is
// `event: batch`, `id: <n>` (1, 2, 3… per connection), `data: <the OpenAI batch object>`: the
// current state at once, then every change `watchBatch` reports, and the stream ends after the
// terminal state. A `:` comment line keeps idle connections open. A client that goes away stops
// the watch (event subscription and timers released); a server shutting down cuts the stream, so
// clients see a dropped connection rather than an end that reads as "finished".
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { type WatchBatchInput, watchBatch } from '../../domain/batches/watch-batch.js';
import type { Caller } from '../../domain/caller.js';
import type { Deps } from '../../domain/deps.js';
import { batchObject } from './batch-object.js';

export const SSE_KEEP_ALIVE_MS = 15_000;

export interface EventStreamOptions {
  keepAliveMs: number;
  /** Aborted when the server shuts down. */
  closing: AbortSignal;
}

const frame = (n: number, object: unknown) => `event: batch\nid: ${n}\ndata: ${JSON.stringify(object)}\n\n`;

/**
 * Open one event stream on `reply`, from the access check to the last byte (the unit a limit on
 * open streams per key wraps). Another project's batch fails before anything is written, so the
 * caller gets an ordinary error response; resolves when the stream is over.
 */
export async function streamBatchEvents(
  deps: Pick<Deps, 'db' | 'events' | 'streams'>,
  caller: Caller,
  input: z.input<typeof WatchBatchInput>,
  reply: FastifyReply,
  options: EventStreamOptions,
): Promise<void> {
  const stop = new AbortController();
  const updates = await watchBatch(deps, caller, input, stop.signal);
  const first = await updates.next();

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const cut = () => res.destroy();
  const gone = () => stop.abort();
  res.once('close', gone);
  options.closing.addEventListener('abort', cut);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveMs);
  let ended = false;
  try {
    // The client may have left (or the server begun closing) while the first state was read.
    if (options.closing.aborted || res.destroyed) return;
    let n = 0;
    for (let next = first; !next.done; next = await updates.next()) {
      res.write(frame(++n, await batchObject(deps, caller, next.value)));
    }
    ended = !stop.signal.aborted;
  } catch (error) {
    reply.log.error({ err: error }, 'batch event stream failed');
  } finally {
    clearInterval(keepAlive);
    options.closing.removeEventListener('abort', cut);
    res.off('close', gone);
    stop.abort();
    await updates.return(undefined);
    if (ended) res.end();
    else res.destroy();
  }
}
