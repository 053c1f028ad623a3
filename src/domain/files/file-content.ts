// Download a file's bytes, streamed exactly as stored.
import type { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { type FileObject, toFileObject } from './file.js';
import { readFileContent } from './file-store.js';
import { findCallerFile, GetFileInput } from './get-file.js';

export async function fileContent(
  deps: Pick<Deps, 'db' | 'clock'>,
  caller: Caller,
  input: z.input<typeof GetFileInput>,
): Promise<{ file: FileObject; content: AsyncGenerator<Buffer> }> {
  const { id } = parseInput(GetFileInput, input);
  const row = await findCallerFile(deps, caller, id);
  return { file: toFileObject(row), content: readFileContent(deps.db, id) };
}
