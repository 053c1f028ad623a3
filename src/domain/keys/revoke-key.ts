// Revoke a tenant key: it stops working at once; its project's files and batches stay.
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys } from '../../db/tables/api-keys.js';
import { type Caller, requireAdmin } from '../caller.js';
import type { Deps } from '../deps.js';
import { notFound, parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';

export const RevokeKeyInput = z.object({ id: ObjectId });

export async function revokeKey(
  deps: Pick<Deps, 'db' | 'clock'>,
  caller: Caller,
  input: z.input<typeof RevokeKeyInput>,
): Promise<{ id: string; object: 'api_key'; deleted: true }> {
  requireAdmin(caller);
  const { id } = parseInput(RevokeKeyInput, input);
  const revoked = await deps.db
    .update(apiKeys)
    .set({ revokedAt: deps.clock.now() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (revoked.length === 0) throw notFound('api key', id);
  return { id, object: 'api_key', deleted: true };
}
