// Per-request observability on the Fastify server: the request and duration metrics by matched
// route pattern (never the raw URL, which carries ids), and with tracing on, the server span named
// after that route.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

/** The route pattern a request matched, e.g. `/v1/batches/:id`; `unmatched` for a 404 without a route. */
const routeOf = (req: FastifyRequest) => req.routeOptions.url ?? 'unmatched';

export function observeHttp(app: FastifyInstance, metrics: Metrics, tracing: Tracing | null): void {
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(req.method, routeOf(req), reply.statusCode, reply.elapsedTime / 1000);
  });
  if (tracing) {
    app.addHook('onRequest', async (req) => tracing.nameServerSpan(req.method, routeOf(req)));
  }
}
