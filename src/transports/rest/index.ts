// The REST transport: OpenAI-compatible Files and Batches routes (under /v1, and under the
// TrueFoundry prefix so its clients only change the host), models and webhooks (under /v1), and
// /admin. Authorization is decided by the route a request matched, never by its raw URL: each
// scope carries its own onRequest gate, which runs before any body is read. Errors are OpenAI's shape.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { credentialsOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { adminRoutes } from './admin.js';
import { batchCreateRoute, batchRoutes } from './batches.js';
import { sendError } from './errors.js';
import { fileRoutes } from './files.js';
import { modelRoutes } from './models.js';
import { webhookRoutes } from './webhooks.js';

/** Where the Files and Batches routes are served: OpenAI's `/v1` and TrueFoundry's gateway path. */
const OPENAI_PREFIXES = ['/v1', '/api/llm/api/inference/openai'] as const;

/** Every route registered in `scope` admits its caller (authenticated, rate-limited) before its body is read. */
function gated(scope: FastifyInstance, ctx: AppContext): void {
  scope.addHook('onRequest', async (req) => {
    req.caller = await ctx.gate.admit(credentialsOf(req));
  });
}

export async function restPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.decorateRequest('caller', null as never);
  app.setErrorHandler((error, req, reply) => sendError(reply, error, req));

  await app.register(
    async (scope) => {
      gated(scope, ctx);
      adminRoutes(scope, ctx);
    },
    { prefix: '/admin' },
  );

  for (const prefix of OPENAI_PREFIXES) {
    await app.register(
      async (scope) => {
        gated(scope, ctx);
        await scope.register(multipart, {
          limits: { fileSize: ctx.deps.config.limits.maxFileBytes, files: 1, fields: 20, fieldSize: 1024 * 1024 },
        });
        fileRoutes(scope, ctx);
        batchRoutes(scope, ctx);
        // Its own scope: the create body is streamed (inline requests go to storage as they arrive).
        await scope.register(async (create) => batchCreateRoute(create, ctx));
      },
      { prefix },
    );
  }

  await app.register(
    async (scope) => {
      gated(scope, ctx);
      modelRoutes(scope, ctx);
      webhookRoutes(scope, ctx);
    },
    { prefix: '/v1' },
  );
}
