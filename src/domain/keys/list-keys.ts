// List every tenant key (never the plaintext).
import { desc } from 'drizzle-orm';
import { apiKeys } from '../../db/tables/api-keys.js';
import { type Caller, requireAdmin } from '../caller.js';
import type { Deps } from '../deps.js';
import { type ApiKeyInfo, toApiKeyInfo } from './api-key.js';

export async function listKeys(deps: Pick<Deps, 'db'>, caller: Caller): Promise<ApiKeyInfo[]> {
  requireAdmin(caller);
  const rows = await deps.db.select().from(apiKeys).orderBy(desc(apiKeys.id));
  return rows.map(toApiKeyInfo);
}
