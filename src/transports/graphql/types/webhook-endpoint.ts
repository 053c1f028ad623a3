// WebhookEndpoint: where a project's batch events are sent. `secret` is set only in the answer of
// createWebhook (the secret is never shown again).
import type { WebhookEndpoint as DomainEndpoint } from '../../../domain/webhooks/webhook.js';
import { builder } from '../builder.js';
import { DateTime } from './date-time.js';

export const WebhookEndpoint = builder.objectRef<DomainEndpoint & { secret?: string }>('WebhookEndpoint').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    events: t.exposeStringList('events', {
      description: 'Event types sent: batch.completed, batch.failed, batch.expired, batch.cancelled.',
    }),
    description: t.exposeString('description', { nullable: true }),
    createdAt: t.expose('createdAt', { type: DateTime }),
    secret: t.string({
      nullable: true,
      description: 'The signing secret (`whsec_…`): only in the answer of createWebhook, null everywhere else.',
      resolve: (endpoint) => endpoint.secret ?? null,
    }),
  }),
});
