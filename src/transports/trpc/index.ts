// The tRPC transport at /trpc: Fastify plugin with batching on and no transformer. Unexpected errors
// are logged here (clients only see a generic message); on shutdown, live subscriptions are told to
// let go so the server can close.
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { contextFactory } from './context.js';
import { retryAfterHeaders } from './errors.js';
import { type AppRouter, appRouter } from './router.js';

export async function trpcPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  // batches.create may carry inline requests: allow bodies as large as REST's POST /v1/batches.
  app.addHook('onRoute', (route) => {
    route.bodyLimit = ctx.deps.config.limits.maxFileBytes;
  });
  const options: FastifyTRPCPluginOptions<AppRouter> = {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: contextFactory(ctx, closing.signal),
      allowBatching: true,
      responseMeta: ({ errors }) => ({ headers: retryAfterHeaders(errors) }),
      onError: ({ error, path, req }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error.cause ?? error, path }, 'trpc: unhandled error');
      },
    },
  };
  await app.register(fastifyTRPCPlugin, options);
}
