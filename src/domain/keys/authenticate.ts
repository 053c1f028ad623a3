// Turn a credential into a Caller: the admin key (compared in constant time) or a live tenant key.
// The transports' gate composes the two, budgeting failed lookups per client address in between.
import { timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys } from '../../db/tables/api-keys.js';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { hashKey } from './api-key.js';

/** The key in an `Authorization` value: `Bearer <key>`, or the bare key (GoModel's clients send that). */
export function credentialOf(authorization: string | undefined | null): string | undefined {
  const match = /^(?:Bearer\s+)?(\S+)\s*$/i.exec(authorization?.trim() ?? '');
  return match?.[1];
}

/** Whether `token` is the admin key (compared in constant time, no database). */
export function isAdminKey(adminKeyHash: string, token: string): boolean {
  return timingSafeEqual(Buffer.from(hashKey(token)), Buffer.from(adminKeyHash));
}

/** The live tenant key `token` is, or `unauthenticated`. */
export async function authenticateTenant(deps: Pick<Deps, 'db'>, token: string | undefined): Promise<Caller> {
  if (!token) {
    throw new AppError('unauthenticated', 'Missing API key: send it as "Authorization: Bearer <key>".');
  }
  const [key] = await deps.db
    .select({ id: apiKeys.id, projectId: apiKeys.projectId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(token)), isNull(apiKeys.revokedAt)));
  if (!key) throw new AppError('unauthenticated', 'Incorrect API key provided.');
  return { kind: 'key', keyId: key.id, projectId: key.projectId };
}
