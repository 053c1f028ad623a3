// The webhook fields of Query (webhooks, webhookDeliveries) and Mutation (createWebhook,
// deleteWebhook), over the webhook use cases.
import { createWebhook } from '../../../domain/webhooks/create-webhook.js';
import { deleteWebhook } from '../../../domain/webhooks/delete-webhook.js';
import { listWebhookDeliveries } from '../../../domain/webhooks/list-webhook-deliveries.js';
import { listWebhooks } from '../../../domain/webhooks/list-webhooks.js';
import { builder } from '../builder.js';
import { pageArgs, toConnection } from '../pagination.js';
import { WebhookDeliveryConnection } from './webhook-delivery.js';
import { WebhookEndpoint } from './webhook-endpoint.js';

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'An http(s) URL.' }),
    events: t.stringList({
      description: 'Any of batch.completed, batch.failed, batch.expired, batch.cancelled (default: all four).',
    }),
    description: t.string(),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.field({
    type: [WebhookEndpoint],
    description: "The project's webhook endpoints, newest first.",
    resolve: (_root, _args, { deps, caller }) => listWebhooks(deps, caller),
  }),
  webhookDeliveries: t.field({
    type: WebhookDeliveryConnection,
    description: 'Delivery attempts to an endpoint, newest first. `first` is 1..100 (default 20).',
    args: { id: t.arg.id({ required: true }), first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, { id, ...args }, { deps, caller }) =>
      toConnection(await listWebhookDeliveries(deps, caller, { id, ...pageArgs(args) })),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WebhookEndpoint,
    description: 'The answer carries the signing secret, shown only here.',
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    // The domain validates the event names; the cast only hands them over.
    resolve: (_root, { input }, { deps, caller }) =>
      createWebhook(deps, caller, {
        url: input.url,
        events: (input.events ?? undefined) as never,
        description: input.description,
      }),
  }),
  deleteWebhook: t.boolean({
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { deps, caller }) => (await deleteWebhook(deps, caller, { id })).deleted,
  }),
}));
