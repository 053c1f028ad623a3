// Look up one batch the caller may see; another project's batch is indistinguishable from a missing one.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { batches } from '../../db/tables/batches.js';
import { type Caller, canSee } from '../caller.js';
import { notFound } from '../errors.js';

export async function findCallerBatchRow(db: Db, caller: Caller, id: string) {
  const [row] = await db.select().from(batches).where(eq(batches.id, id));
  if (!row || !canSee(caller, row.projectId)) throw notFound('batch', id);
  return row;
}
