// webhooks.create / list / delete / deliveries over the webhook use cases. `create` is the only
// answer carrying the endpoint's signing secret.
import { z } from 'zod';
import { ObjectId } from '../../../domain/ids.js';
import { CreateWebhookInput, createWebhook } from '../../../domain/webhooks/create-webhook.js';
import { DeleteWebhookInput, deleteWebhook } from '../../../domain/webhooks/delete-webhook.js';
import { listWebhookDeliveries } from '../../../domain/webhooks/list-webhook-deliveries.js';
import { listWebhooks } from '../../../domain/webhooks/list-webhooks.js';
import { authedProcedure, router } from '../init.js';
import { toCursorPage } from '../page.js';

/** Newest first; `cursor` is the previous page's `nextCursor`. The domain bounds `limit` (1..100, default 20). */
const DeliveriesInput = z.object({
  id: ObjectId,
  limit: z.number().int().optional(),
  cursor: ObjectId.nullish(),
});

export const webhooksRouter = router({
  create: authedProcedure
    .input(CreateWebhookInput)
    .mutation(({ ctx, input }) => createWebhook(ctx.deps, ctx.caller, input)),
  list: authedProcedure.query(({ ctx }) => listWebhooks(ctx.deps, ctx.caller)),
  delete: authedProcedure
    .input(DeleteWebhookInput)
    .mutation(({ ctx, input }) => deleteWebhook(ctx.deps, ctx.caller, input)),
  deliveries: authedProcedure
    .input(DeliveriesInput)
    .query(async ({ ctx, input: { cursor, ...rest } }) =>
      toCursorPage(
        await listWebhookDeliveries(ctx.deps, ctx.caller, { ...rest, after: cursor ?? undefined }),
        (delivery) => delivery.id,
      ),
    ),
});
