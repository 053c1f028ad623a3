// Delete a webhook endpoint: its pending deliveries stop (they and its attempt log go with it).
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { webhookEndpoints } from '../../db/tables/webhooks.js';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { notFound, parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import { findCallerWebhook } from './find-webhook.js';

export const DeleteWebhookInput = z.object({ id: ObjectId });

export async function deleteWebhook(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: z.input<typeof DeleteWebhookInput>,
): Promise<{ id: string; object: 'webhook_endpoint'; deleted: true }> {
  const { id } = parseInput(DeleteWebhookInput, input);
  await findCallerWebhook(deps.db, caller, id);
  const deleted = await deps.db
    .delete(webhookEndpoints)
    .where(eq(webhookEndpoints.id, id))
    .returning({ id: webhookEndpoints.id });
  if (deleted.length === 0) throw notFound('webhook endpoint', id);
  return { id, object: 'webhook_endpoint', deleted: true };
}
