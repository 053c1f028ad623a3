// The key is checked before a GraphQL body is read: an onRequest hook admits POST callers
// (JSON, SSE and multipart alike) and caps JSON bodies at 1 MB by their declared length, so a
// caller without a key never makes the server read, parse or validate a document. GET requests
// carry no body; they are admitted in the context (GraphiQL's page itself needs no key).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { credentialsOf } from '../auth.js';
import { JSON_BODY_LIMIT_BYTES } from '../body-limit.js';
import type { AppContext } from '../context.js';
import { findAppError, requestError } from './errors.js';

const isMultipart = (req: FastifyRequest) =>
  (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');

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
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!isMultipart(req) && declared > JSON_BODY_LIMIT_BYTES) {
      const tooLarge = new AppError(
        'payload_too_large',
        `A GraphQL request body is at most ${JSON_BODY_LIMIT_BYTES} bytes.`,
      );
      return sendRefusal(req, reply, tooLarge);
    }
  });
}
