// List the caller's live files (expired ones are gone) with OpenAI cursor pagination (limit,
// after, order, purpose).
import { and, asc, desc, eq, gt, lt } from 'drizzle-orm';
import { z } from 'zod';
import { files } from '../../db/tables/files.js';
import { type Caller, ownedBy } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import type { Page } from '../page.js';
import { type FileObject, toFileObject } from './file.js';
import { liveAt } from './file-store.js';

export const ListFilesInput = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  after: ObjectId.optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
  purpose: z.string().min(1).optional(),
});

export async function listFiles(
  deps: Pick<Deps, 'db' | 'clock'>,
  caller: Caller,
  input: z.input<typeof ListFilesInput>,
): Promise<Page<FileObject>> {
  const { limit, after, order, purpose } = parseInput(ListFilesInput, input);
  const rows = await deps.db
    .select()
    .from(files)
    .where(
      and(
        ownedBy(caller, files.projectId),
        liveAt(deps.clock.now()),
        purpose ? eq(files.purpose, purpose) : undefined,
        after ? (order === 'desc' ? lt(files.id, after) : gt(files.id, after)) : undefined,
      ),
    )
    .orderBy(order === 'desc' ? desc(files.id) : asc(files.id))
    .limit(limit + 1);
  return { data: rows.slice(0, limit).map(toFileObject), hasMore: rows.length > limit };
}
