// Upload a file: stream the bytes into chunked storage under the caller's project. Multipart
// forms may send `purpose` and `expires_after` after the file, so an upload can be stored first
// and committed later.
import { z } from 'zod';
import { ADMIN_PROJECT_ID, type Caller, projectOf } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { ExpiresAfter } from './expires-after.js';
import { FILE_PURPOSES, type FileObject, toFileObject } from './file.js';
import { type NewFile, openFileWriter } from './file-store.js';

const Filename = z.string().min(1, 'must not be empty').max(1024, 'is too long');
const Purpose = z.enum(FILE_PURPOSES, { error: `must be one of ${FILE_PURPOSES.join(', ')}` });

export const UploadFileInput = z.object({
  filename: Filename,
  purpose: Purpose,
  /** The file disappears this long after its creation; without it, it is kept until deleted. */
  expiresAfter: ExpiresAfter.nullish(),
});

/** What a multipart form may send after the file: checked only when the upload is committed. */
export type UploadSettlement = Omit<z.input<typeof UploadFileInput>, 'filename' | 'purpose'> & {
  purpose: string | undefined;
};

export interface StoredUpload {
  bytes: number;
  /** Validate the purpose and expiry and make the file visible; invalid ones remove the file. */
  commit(settlement: UploadSettlement): Promise<FileObject>;
  abort(): Promise<void>;
}

/** A file stored in `projectId`: within the size limit and (tenant projects only) the project's quota. */
export function projectFile(
  deps: Pick<Deps, 'config' | 'clock'>,
  projectId: string,
  file: { filename: string; purpose: string },
): NewFile {
  const { maxFileBytes, maxStoredBytesPerProject } = deps.config.limits;
  return {
    ...file,
    createdAt: deps.clock.now(),
    projectId,
    maxBytes: maxFileBytes,
    projectQuotaBytes: projectId === ADMIN_PROJECT_ID ? undefined : maxStoredBytesPerProject,
  };
}

/** A file the caller stores, in its own project (only the admin's project, no key's, is exempt from the quota). */
export const callerFile = (
  deps: Pick<Deps, 'config' | 'clock'>,
  caller: Caller,
  file: { filename: string; purpose: string },
): NewFile => projectFile(deps, projectOf(caller), file);

/** Store the content of an upload whose purpose may not be known yet; nothing is visible before `commit`. */
export async function storeUpload(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  caller: Caller,
  filename: string,
  content: AsyncIterable<Uint8Array>,
): Promise<StoredUpload> {
  parseInput(z.object({ filename: Filename }), { filename });
  const writer = await openFileWriter(deps.db, callerFile(deps, caller, { filename, purpose: 'user_data' }));
  let bytes = 0;
  try {
    for await (const piece of content) {
      bytes += piece.byteLength;
      await writer.write(piece);
    }
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
  return {
    bytes,
    async commit(settlement) {
      try {
        const parsed = parseInput(UploadFileInput, { ...settlement, filename });
        const expiresAfterSeconds = parsed.expiresAfter?.seconds ?? null;
        return toFileObject(await writer.finish({ purpose: parsed.purpose, expiresAfterSeconds }));
      } catch (error) {
        await writer.abort().catch(() => {});
        throw error;
      }
    },
    abort: () => writer.abort(),
  };
}

export async function uploadFile(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  caller: Caller,
  input: z.input<typeof UploadFileInput>,
  content: AsyncIterable<Uint8Array>,
): Promise<FileObject> {
  parseInput(UploadFileInput, input);
  const upload = await storeUpload(deps, caller, input.filename, content);
  return upload.commit(input);
}
