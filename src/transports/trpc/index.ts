// The tRPC transport at /trpc: Fastify plugin with batching on (at most 10 calls a batch) and no
// transformer. Callers are admitted before any body is read (admission.ts). Unexpected errors are
// logged here (clients only see a generic message); on shutdown, live subscriptions are told to
// let go so the server can close.
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { admitBeforeBody } from './admission.js';
import { contextFactory } from './context.js';
import { retryAfterHeaders } from './errors.js';
import { type AppRouter, appRouter } from './router.js';

const PREFIX = '/trpc';

/** The most calls one batched request may carry; more is a 400 BAD_REQUEST. */
const MAX_BATCH_SIZE = 10;

export async function trpcPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  admitBeforeBody(app, ctx, PREFIX);
  const options: FastifyTRPCPluginOptions<AppRouter> = {
    prefix: PREFIX,
    trpcOptions: {
      router: appRouter,
      createContext: contextFactory(ctx, closing.signal),
      allowBatching: true,
      maxBatchSize: MAX_BATCH_SIZE,
      responseMeta: ({ errors }) => ({ headers: retryAfterHeaders(errors) }),
      onError: ({ error, path, req }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error.cause ?? error, path }, 'trpc: unhandled error');
      },
    },
  };
  await app.register(fastifyTRPCPlugin, options);
}
