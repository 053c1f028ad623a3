// tRPC, initialised once: plain JSON (no transformer), no stack traces to clients, SSE pings for
// long subscriptions, and the two procedure bases. Errors are mapped by one middleware that every
// procedure runs outermost, for results and for errors raised while a subscription streams.
import { initTRPC } from '@trpc/server';
import type { TrpcContext } from './context.js';
import { errorData, toTRPCError } from './errors.js';

const t = initTRPC.context<TrpcContext>().create({
  isDev: false,
  errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, ...errorData(error) } }),
  sse: {
    // A batch can sit without progress for minutes: pings keep proxies from cutting the stream,
    // and a client that hears nothing (not even a ping) for a while reconnects.
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 30_000 },
  },
});

export const router = t.router;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

async function* mapStreamErrors(source: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    yield* source;
  } catch (error) {
    // A client that went away is tRPC's business, not an error to report.
    if ((error as Error | undefined)?.name === 'AbortError') throw error;
    throw toTRPCError(error);
  }
}

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return isAsyncIterable(result.data) ? { ...result, data: mapStreamErrors(result.data) } : result;
});

/** Every procedure needs a key: the caller is admitted (authenticated, rate-limited) once per HTTP request. */
export const authedProcedure = t.procedure
  .use(mapErrors)
  .use(async ({ ctx, next }) => next({ ctx: { caller: await ctx.admit() } }));
