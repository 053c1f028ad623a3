// /v1/webhooks — create (the only answer that shows the signing secret), list and delete a
// project's webhook endpoints, and list an endpoint's delivery attempts.
import type { FastifyInstance } from 'fastify';
import { createWebhook } from '../../domain/webhooks/create-webhook.js';
import { deleteWebhook } from '../../domain/webhooks/delete-webhook.js';
import { listWebhookDeliveries } from '../../domain/webhooks/list-webhook-deliveries.js';
import { listWebhooks } from '../../domain/webhooks/list-webhooks.js';
import type { AppContext } from '../context.js';
import { toOpenAIList, toWebhookAttemptItem, toWebhookEndpointObject } from './serialize.js';

type IdParams = { Params: { id: string } };
type Body = { Body: Record<string, unknown> | undefined };

export function webhookRoutes(app: FastifyInstance, { deps }: AppContext): void {
  app.post<Body>('/webhooks', async (req, reply) => {
    const { url, events, description } = req.body ?? {};
    const created = await createWebhook(deps, req.caller, { url, events, description } as never);
    return reply.status(201).send({ ...toWebhookEndpointObject(created), secret: created.secret });
  });

  app.get('/webhooks', async (req) =>
    toOpenAIList((await listWebhooks(deps, req.caller)).map(toWebhookEndpointObject), false, (w) => w.id),
  );

  app.delete<IdParams>('/webhooks/:id', async (req) => deleteWebhook(deps, req.caller, req.params));

  app.get<IdParams & { Querystring: Record<string, string> }>('/webhooks/:id/deliveries', async (req) => {
    const page = await listWebhookDeliveries(deps, req.caller, { ...req.query, id: req.params.id });
    return toOpenAIList(page.data.map(toWebhookAttemptItem), page.hasMore, (a) => a.id);
  });
}
