// Create a tenant key. It joins `project` when given (created if new), otherwise a project of its own.
import { z } from 'zod';
import { apiKeys } from '../../db/tables/api-keys.js';
import { projects } from '../../db/tables/projects.js';
import { ADMIN_PROJECT_ID, type Caller, requireAdmin } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, parseInput } from '../errors.js';
import { newKeyId, newProjectId } from '../ids.js';
import { type ApiKeyInfo, generateKey, hashKey, toApiKeyInfo } from './api-key.js';

export const CreateKeyInput = z.object({
  name: z.string().min(1, 'must not be empty').max(200, 'is too long'),
  project: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is 1-64 characters of A-Z a-z 0-9 _ . -')
    .optional(),
});

export async function createKey(
  deps: Pick<Deps, 'db' | 'clock'>,
  caller: Caller,
  input: z.input<typeof CreateKeyInput>,
): Promise<ApiKeyInfo & { key: string }> {
  requireAdmin(caller);
  const { name, project } = parseInput(CreateKeyInput, input);
  if (project === ADMIN_PROJECT_ID) {
    throw new AppError('invalid_request', `'${ADMIN_PROJECT_ID}' is reserved for the admin key.`, { param: 'project' });
  }
  const projectId = project ?? newProjectId();
  const key = generateKey();
  const row = await deps.db.transaction(async (tx) => {
    await tx.insert(projects).values({ id: projectId, createdAt: deps.clock.now() }).onConflictDoNothing();
    const [created] = await tx
      .insert(apiKeys)
      .values({ id: newKeyId(), projectId, name, keyHash: hashKey(key), createdAt: deps.clock.now() })
      .returning();
    return created!;
  });
  return { ...toApiKeyInfo(row), key };
}
