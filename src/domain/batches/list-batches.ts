// List the caller's batches, newest first, with an `after` cursor (a batch id).
import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { BATCH_STATUSES, batches } from '../../db/tables/batches.js';
import { type Caller, ownedBy } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import type { Page } from '../page.js';
import { type Batch, toBatch } from './batch.js';

export const ListBatchesInput = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: ObjectId.optional(),
  status: z.enum(BATCH_STATUSES).optional(),
});

export async function listBatches(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: z.input<typeof ListBatchesInput>,
): Promise<Page<Batch>> {
  const { limit, after, status } = parseInput(ListBatchesInput, input);
  const rows = await deps.db
    .select()
    .from(batches)
    .where(
      and(
        ownedBy(caller, batches.projectId),
        status ? eq(batches.status, status) : undefined,
        after ? lt(batches.id, after) : undefined,
      ),
    )
    .orderBy(desc(batches.id))
    .limit(limit + 1);
  return { data: rows.slice(0, limit).map(toBatch), hasMore: rows.length > limit };
}
