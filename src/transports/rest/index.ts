// The REST transport: OpenAI-compatible /v1 routes and /admin, behind the auth gate, with every
// error in OpenAI's shape. Multipart lives only in this encapsulated scope (see STACK.md trap 2).
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { Caller } from '../../domain/caller.js';
import type { AppContext } from '../context.js';
import { adminRoutes } from './admin.js';
import { batchRoutes } from './batches.js';
import { sendError } from './errors.js';
import { fileRoutes } from './files.js';
import { modelRoutes } from './models.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

export async function restPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(multipart, {
    limits: { fileSize: ctx.deps.config.limits.maxFileBytes, files: 1, fields: 20, fieldSize: 1024 * 1024 },
  });
  app.decorateRequest('caller', null as never);
  app.setErrorHandler((error, req, reply) => sendError(reply, error, req));
  app.addHook('onRequest', async (req) => {
    const authorization = req.headers.authorization;
    req.caller = req.url.startsWith('/admin/')
      ? await ctx.gate.admitAdmin(authorization)
      : await ctx.gate.admit(authorization);
  });
  fileRoutes(app, ctx);
  batchRoutes(app, ctx);
  modelRoutes(app, ctx);
  adminRoutes(app, ctx);
}
