// The GraphQL transport: /graphql in its own encapsulated Fastify scope — Yoga for GET (GraphiQL,
// queries, SSE subscriptions) and POST (JSON and multipart uploads), graphql-ws on the same path.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { admitBeforeBody } from './admission.js';
import { requirePreflightHeader } from './csrf.js';
import { sendHttpError } from './errors.js';
import { OpenSseResponses } from './open-sse-responses.js';
import { multipartUploads } from './uploads.js';
import { graphqlWsHandler } from './ws.js';
import { createGraphQLServer, GRAPHQL_PATH, type Yoga } from './yoga.js';

async function serve(
  yoga: Yoga,
  streams: OpenSseResponses,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) streams.track(reply);
  reply.status(response.status);
  response.headers.forEach((value, key) => {
    reply.header(key, value);
  });
  return reply.send(response.body);
}

export async function graphqlPlugin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const yoga = createGraphQLServer(ctx);
  const streams = new OpenSseResponses();
  app.addHook('preClose', async () => streams.cutAll());
  await app.register(websocket, { options: { maxPayload: 1 << 20 } });
  // Yoga reads request bodies itself (and multipart arrives pre-parsed from uploads.ts), so this
  // scope has no body parsers of its own: every content type passes through untouched.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  app.setErrorHandler((error, _req, reply) => sendHttpError(reply, error));
  admitBeforeBody(app, ctx);

  const handler = (req: FastifyRequest, reply: FastifyReply) => serve(yoga, streams, req, reply);
  app.route({ method: 'GET', url: GRAPHQL_PATH, handler, wsHandler: graphqlWsHandler(yoga, ctx) });
  app.route({
    method: ['POST', 'OPTIONS'],
    url: GRAPHQL_PATH,
    preValidation: [requirePreflightHeader, multipartUploads(ctx.deps.config.limits.maxFileBytes)],
    handler,
  });
}
