// The HTTP server: one Fastify instance carrying /health, /ready and /metrics (every role), the
// REST API, GraphQL, tRPC and the web dashboard, each in its own encapsulated scope.
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { observeHttp } from '../observability/http-hooks.js';
import { JSON_BODY_LIMIT_BYTES } from './body-limit.js';
import type { AppContext } from './context.js';
import { graphqlPlugin } from './graphql/index.js';
import { normalizeUrl } from './normalize-url.js';
import { opsRoutes } from './ops.js';
import { boundRequestReceipt } from './request-timeout.js';
import { openAIError, sendError } from './rest/errors.js';
import { restPlugin } from './rest/index.js';
import { trpcPlugin } from './trpc/index.js';
import { defaultWebRoot, webPlugin } from './web.js';

interface HttpOptions {
  apiRoutes: boolean;
  /** The built dashboard (default: dist/web under the package root). */
  webRoot?: string;
}

export async function buildHttpApp(ctx: AppContext, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.deps.log,
    routerOptions: { maxParamLength: 5000 },
    rewriteUrl: (req: { url?: string }) => normalizeUrl(req.url ?? '/'),
    // Non-upload bodies are JSON of at most 1 MB (inline batch requests and uploads are streamed).
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
  } as never) as unknown as FastifyInstance;

  // One line per request, path only: query strings may carry credentials (tRPC SSE connectionParams).
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  observeHttp(app, ctx.deps.metrics, ctx.tracing);

  // OpenAI's SDK posts `cancel` with a JSON content type and no body: treat an empty body as none.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(req, body as string, done);
  });

  boundRequestReceipt(app, ctx.deps.config.limits.requestTimeoutMs);
  app.setErrorHandler((error, req, reply) => sendError(reply, error, req));
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send(
        openAIError(
          `Unknown route: ${req.method} ${req.url.split('?')[0]}`,
          'invalid_request_error',
          null,
          'unknown_url',
        ),
      ),
  );
  app.get('/health', async () => ({ status: 'ok' }));
  opsRoutes(app, ctx);

  if (options.apiRoutes) {
    await app.register(async (scope) => restPlugin(scope, ctx));
    await app.register(async (scope) => graphqlPlugin(scope, ctx));
    await app.register(async (scope) => trpcPlugin(scope, ctx));
    await app.register(async (scope) => webPlugin(scope, options.webRoot ?? defaultWebRoot()));
  }
  return app;
}
