// Retrieve one file visible to the caller.
import { z } from 'zod';
import { type Caller, canSee } from '../caller.js';
import type { Deps } from '../deps.js';
import { notFound, parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import { type FileObject, toFileObject } from './file.js';
import { findLiveFile } from './file-store.js';

export const GetFileInput = z.object({ id: ObjectId });

/** The caller's live file row, or `not_found` (also for another project's file, or an expired one). */
export async function findCallerFile(deps: Pick<Deps, 'db' | 'clock'>, caller: Caller, id: string) {
  const row = await findLiveFile(deps.db, id, deps.clock.now());
  if (!row || !canSee(caller, row.projectId)) throw notFound('file', id);
  return row;
}

export async function getFile(
  deps: Pick<Deps, 'db' | 'clock'>,
  caller: Caller,
  input: z.input<typeof GetFileInput>,
): Promise<FileObject> {
  const { id } = parseInput(GetFileInput, input);
  return toFileObject(await findCallerFile(deps, caller, id));
}
