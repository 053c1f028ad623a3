// Load files by id in one query, for linked objects (a batch's input, output and error file).
// Deleted and expired files are included: a batch still names its deleted input file, whose
// metadata is kept. Results line up with `ids`; an id that does not exist or that the caller may
// not see is null.
import { and, eq, inArray } from 'drizzle-orm';
import { files } from '../../db/tables/files.js';
import { type Caller, ownedBy } from '../caller.js';
import type { Deps } from '../deps.js';
import { type FileObject, toFileObject } from './file.js';

export async function loadFilesByIds(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  ids: readonly string[],
): Promise<(FileObject | null)[]> {
  if (ids.length === 0) return [];
  const rows = await deps.db
    .select()
    .from(files)
    .where(and(inArray(files.id, [...new Set(ids)]), eq(files.status, 'processed'), ownedBy(caller, files.projectId)));
  const byId = new Map(rows.map((row) => [row.id, toFileObject(row)]));
  return ids.map((id) => byId.get(id) ?? null);
}
