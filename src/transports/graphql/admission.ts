// The key is checked before a GraphQL body is read: an onRequest hook admits POST callers
// (JSON, SSE and multipart alike), so a caller without a key never makes the server read, parse or
// validate a document. GET requests carry no body; they are admitted in the context (GraphiQL's
// page itself needs no key). Yoga caps JSON bodies (see yoga.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../domain/errors.js';
import { credentialsOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { findAppError, requestError } from './errors.js';

/** A refusal as Yoga would have answered it: an `errors` body (or an SSE `next` + `complete`) with its status. */
function sendRefusal(req: FastifyRequest, reply: FastifyReply, appError: AppError): FastifyReply {
  const error = requestError(appError);
  const { http, ...extensions } = error.extensions as { http: { status: number; headers: Record<string, string> } };
  const body = JSON.stringify({ errors: [{ message: error.message, extensions }] });
  reply.status(http.status).headers(http.headers);
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/event-stream')) {
    return reply.type('text/event-stream').send(`event: next\ndata: ${body}\n\nevent: complete\ndata:\n\n`);
  }
  const type = accept.includes('application/graphql-response+json')
    ? 'application/graphql-response+json'
    : 'application/json';
  return reply.type(`${type}; charset=utf-8`).send(body);
}

export function admitBeforeBody(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST') return;
    try {
      req.caller = await ctx.gate.admit(credentialsOf(req));
    } catch (error) {
      const appError = findAppError(error);
      if (!appError) throw error;
      return sendRefusal(req, reply, appError);
    }
  });
}
