// API keys: generation, hashing, and the public shape (the plaintext is returned only at creation).
import { createHash, randomBytes } from 'node:crypto';
import type { apiKeys } from '../../db/tables/api-keys.js';
import { unixSeconds } from '../clock.js';

export const generateKey = () => `bg-${randomBytes(24).toString('base64url')}`;
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface ApiKeyInfo {
  id: string;
  name: string;
  project: string;
  createdAt: number;
  revokedAt: number | null;
}

export const toApiKeyInfo = (row: typeof apiKeys.$inferSelect): ApiKeyInfo => ({
  id: row.id,
  name: row.name,
  project: row.projectId,
  createdAt: unixSeconds(row.createdAt)!,
  revokedAt: unixSeconds(row.revokedAt),
});
