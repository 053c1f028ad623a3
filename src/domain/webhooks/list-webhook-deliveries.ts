// The delivery attempts of one of the caller's endpoints, newest first, with an `after` cursor
// (an attempt id): which event, its answer or error, when it ran and when the next one is due.
import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { webhookAttempts } from '../../db/tables/webhooks.js';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import type { Page } from '../page.js';
import { findCallerWebhook } from './find-webhook.js';
import { toWebhookAttempt, type WebhookAttempt } from './webhook.js';

export const ListWebhookDeliveriesInput = z.object({
  id: ObjectId,
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: ObjectId.optional(),
});

export async function listWebhookDeliveries(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: z.input<typeof ListWebhookDeliveriesInput>,
): Promise<Page<WebhookAttempt>> {
  const { id, limit, after } = parseInput(ListWebhookDeliveriesInput, input);
  await findCallerWebhook(deps.db, caller, id);
  const rows = await deps.db
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.endpointId, id), after ? lt(webhookAttempts.id, after) : undefined))
    .orderBy(desc(webhookAttempts.id))
    .limit(limit + 1);
  return { data: rows.slice(0, limit).map(toWebhookAttempt), hasMore: rows.length > limit };
}
