// WebhookDelivery (one delivery attempt of an event to an endpoint) and its Relay connection, newest first.
import type { WebhookAttempt } from '../../../domain/webhooks/webhook.js';
import { builder } from '../builder.js';
import { DateTime } from './date-time.js';

export const WebhookDelivery = builder.objectRef<WebhookAttempt>('WebhookDelivery').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.exposeString('eventId', { description: 'The `webhook-id` header: the same on every retry.' }),
    type: t.exposeString('type'),
    attempt: t.exposeInt('attempt', { description: '1 for the first attempt of the event at this endpoint.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'Null when no answer came.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why no answer came.' }),
    outcome: t.exposeString('outcome', { description: 'delivered, retrying or given_up.' }),
    attemptedAt: t.expose('attemptedAt', { type: DateTime }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: DateTime, nullable: true }),
  }),
});

export const WebhookDeliveryConnection = builder.connectionObject(
  { type: WebhookDelivery, name: 'WebhookDeliveryConnection' },
  { name: 'WebhookDeliveryEdge' },
);
