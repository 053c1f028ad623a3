// Delete a file: its content is removed at once; the row is kept (hidden) so batches that name
// it still resolve their metadata. Deleting the last of a finished batch's output and error files
// also purges that batch's request rows (see db/queries/file-removal.ts).
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import { releaseRemovedFiles } from '../../db/queries/file-removal.js';
import { files } from '../../db/tables/files.js';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { findCallerFile, GetFileInput } from './get-file.js';

export const DeleteFileInput = GetFileInput;

export async function deleteFile(
  deps: Pick<Deps, 'db' | 'clock'>,
  caller: Caller,
  input: z.input<typeof DeleteFileInput>,
): Promise<{ id: string; deleted: true }> {
  const { id } = parseInput(DeleteFileInput, input);
  await findCallerFile(deps, caller, id);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.update(files).set({ deletedAt: now }).where(eq(files.id, id));
    await releaseRemovedFiles(tx, [id], now);
  });
  return { id, deleted: true };
}
