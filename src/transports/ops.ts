// Operations routes, served by every role: GET /ready (no key, like /health) and GET /metrics
// (the admin key only; Prometheus text). Errors are REST's (OpenAI shape).
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../domain/caller.js';
import { readiness } from '../observability/readiness.js';
import { credentialsOf } from './auth.js';
import type { AppContext } from './context.js';

export function opsRoutes(app: FastifyInstance, { deps, gate, availability }: AppContext): void {
  app.get('/ready', async (_req, reply) => {
    const report = await readiness(availability, deps.liveness);
    return reply.status(report.status === 'ready' ? 200 : 503).send(report);
  });

  app.get('/metrics', async (req, reply) => {
    // The admin key is checked without the database, so metrics stay readable while it is away.
    if (!gate.isAdmin(req.headers.authorization)) requireAdmin(await gate.admit(credentialsOf(req)));
    const { contentType, body } = await deps.metrics.expose();
    return reply.type(contentType).send(body);
  });
}
