// List the caller's webhook endpoints, newest first (never their secrets).
import { desc } from 'drizzle-orm';
import { webhookEndpoints } from '../../db/tables/webhooks.js';
import { type Caller, ownedBy } from '../caller.js';
import type { Deps } from '../deps.js';
import { toWebhookEndpoint, type WebhookEndpoint } from './webhook.js';

export async function listWebhooks(deps: Pick<Deps, 'db'>, caller: Caller): Promise<WebhookEndpoint[]> {
  const rows = await deps.db
    .select()
    .from(webhookEndpoints)
    .where(ownedBy(caller, webhookEndpoints.projectId))
    .orderBy(desc(webhookEndpoints.id));
  return rows.map(toWebhookEndpoint);
}
