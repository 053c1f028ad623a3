// Turn a bearer token into a Caller: the admin key (compared in constant time) or a live tenant key.
import { timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys } from '../../db/tables/api-keys.js';
import { adminCaller, type Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { hashKey } from './api-key.js';

export function bearerToken(authorization: string | undefined | null): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Whether `token` is the admin key (constant-time; no database). */
export const isAdminToken = (adminKeyHash: string, token: string): boolean =>
  timingSafeEqual(Buffer.from(hashKey(token)), Buffer.from(adminKeyHash));

export async function authenticate(
  deps: Pick<Deps, 'db'>,
  adminKeyHash: string,
  token: string | undefined,
): Promise<Caller> {
  if (!token) {
    throw new AppError('unauthenticated', 'Missing API key: send it as "Authorization: Bearer <key>".');
  }
  if (isAdminToken(adminKeyHash, token)) return adminCaller;
  const hash = hashKey(token);
  const [key] = await deps.db
    .select({ id: apiKeys.id, projectId: apiKeys.projectId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)));
  if (!key) throw new AppError('unauthenticated', 'Incorrect API key provided.');
  return { kind: 'key', keyId: key.id, projectId: key.projectId };
}
