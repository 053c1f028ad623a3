// What happens before tRPC itself runs: POST requests (mutations, batched calls) are admitted in
// onRequest, before their body is read, and a body over the 1 MB limit is refused while it is
// read. Both refusals reach the scope's error handler and are answered in tRPC's own error shape
// (an array for a batch), formatted by the router's error formatter like any other error. GET requests carry no body and are admitted
// in the context.

import { TRPCError } from '@trpc/server';
import { getErrorShape, getHTTPStatusCodeFromError } from '@trpc/server/unstable-core-do-not-import';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { credentialsOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { retryAfterHeaders, toTRPCError } from './errors.js';
import { appRouter } from './router.js';

function sendRefusal(req: FastifyRequest, reply: FastifyReply, prefix: string, error: TRPCError): FastifyReply {
  const url = new URL(req.url, 'http://host');
  const batch = url.searchParams.get('batch') === '1';
  const path = decodeURIComponent(url.pathname.slice(prefix.length + 1));
  const shapes = (batch ? path.split(',') : [path]).map((p) => ({
    error: getErrorShape({
      config: appRouter._def._config,
      error,
      type: 'unknown',
      path: p,
      input: undefined,
      ctx: undefined,
    }),
  }));
  const headers = retryAfterHeaders([error]);
  if (headers) reply.headers(headers);
  return reply.status(getHTTPStatusCodeFromError(error)).send(batch ? shapes : shapes[0]);
}

/** Failures before tRPC runs (a refused admission, Fastify's oversized or malformed body) as tRPC errors. */
function fastifyFailure(error: { statusCode?: number; message: string }): TRPCError {
  if (error.statusCode === 413) {
    return new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 1 MB.' });
  }
  if (error.statusCode !== undefined && error.statusCode < 500) {
    return new TRPCError({ code: 'BAD_REQUEST', message: error.message });
  }
  return toTRPCError(error);
}

export function admitBeforeBody(app: FastifyInstance, ctx: AppContext, prefix: string): void {
  app.addHook('onRequest', async (req) => {
    if (req.method !== 'POST') return;
    req.caller = await ctx.gate.admit(credentialsOf(req));
  });
  app.setErrorHandler((error, req, reply) => {
    const trpcError = fastifyFailure(error as { statusCode?: number; message: string });
    if (trpcError.code === 'INTERNAL_SERVER_ERROR') req.log.error({ err: error }, 'trpc: transport error');
    return sendRefusal(req, reply, prefix, trpcError);
  });
}
