// Look up one webhook endpoint the caller may see; another project's is indistinguishable from a missing one.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { webhookEndpoints } from '../../db/tables/webhooks.js';
import { type Caller, canSee } from '../caller.js';
import { notFound } from '../errors.js';

export async function findCallerWebhook(db: Db, caller: Caller, id: string) {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  if (!row || !canSee(caller, row.projectId)) throw notFound('webhook endpoint', id);
  return row;
}
