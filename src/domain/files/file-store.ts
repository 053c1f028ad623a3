// File content in the database: written and read as a stream of fixed-size chunks, so no file is
// ever held whole in memory and any process can serve any file. A file is live once processed,
// until it is deleted or its `expires_at` passes (by the caller's clock).
import { and, eq, gt, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { fileChunks, files } from '../../db/tables/files.js';
import { AppError } from '../errors.js';
import { newFileId } from '../ids.js';
import { expiryOf } from './expires-after.js';

export const CHUNK_BYTES = 1 << 20;

const toBuffer = (data: Uint8Array) =>
  Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

export interface NewFile {
  projectId: string;
  filename: string;
  purpose: string;
  /** When it was created, by the caller's clock. */
  createdAt: Date;
  /** Reject content longer than this with `payload_too_large` (the file is then removed). */
  maxBytes?: number;
  /** Reject content that would take the project's live files past this many bytes (`quota_exceeded`). */
  projectQuotaBytes?: number;
}

/** Not deleted and not expired at `now` (whatever the status). */
export const notRemovedAt = (now: Date): SQL =>
  and(isNull(files.deletedAt), or(isNull(files.expiresAt), gt(files.expiresAt, now)))!;

/** Visible to the APIs at `now`: processed, not deleted, not expired. */
export const liveAt = (now: Date): SQL => and(eq(files.status, 'processed'), notRemovedAt(now))!;

/** Bytes held by a project's live files at `now` (uploads in progress count once finished). */
export async function storedBytes(db: Db, projectId: string, now: Date): Promise<number> {
  const [row] = await db
    .select({ bytes: sql<string>`coalesce(sum(${files.bytes}), 0)` })
    .from(files)
    .where(and(eq(files.projectId, projectId), notRemovedAt(now)));
  return Number(row?.bytes ?? 0);
}

/** What `finish` settles only once the content is stored (multipart forms may send it last). */
export interface FileSettlement {
  purpose?: string;
  /** `expires_after.seconds`, counted from the file's creation. */
  expiresAfterSeconds?: number | null;
}

export interface FileWriter {
  readonly id: string;
  write(piece: Uint8Array | string): Promise<void>;
  /** Store the last chunk and make the file visible (optionally settling its purpose and expiry only now). */
  finish(settle?: FileSettlement): Promise<typeof files.$inferSelect>;
  /** Remove the partial file. */
  abort(): Promise<void>;
}

/**
 * Open a file for writing. The row stays `uploading` (invisible to every API) until `finish`;
 * content is buffered only up to one chunk.
 */
export async function openFileWriter(db: Db, file: NewFile): Promise<FileWriter> {
  const quotaLeft =
    file.projectQuotaBytes === undefined
      ? Infinity
      : file.projectQuotaBytes - (await storedBytes(db, file.projectId, file.createdAt));
  const id = newFileId();
  await db.insert(files).values({
    id,
    projectId: file.projectId,
    filename: file.filename,
    purpose: file.purpose,
    status: 'uploading',
    createdAt: file.createdAt,
  });
  let seq = 0;
  let bytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await db.insert(fileChunks).values({ fileId: id, seq: seq++, data });
  };
  return {
    id,
    async write(piece) {
      const buf = typeof piece === 'string' ? Buffer.from(piece) : toBuffer(piece);
      bytes += buf.length;
      if (file.maxBytes !== undefined && bytes > file.maxBytes) {
        throw new AppError('payload_too_large', `File is larger than the limit of ${file.maxBytes} bytes.`, {
          param: 'file',
        });
      }
      if (bytes > quotaLeft) {
        throw new AppError(
          'quota_exceeded',
          `This project's files would exceed its storage quota of ${file.projectQuotaBytes} bytes. Delete files to make room.`,
          { param: 'file' },
        );
      }
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    },
    async finish(settle = {}) {
      await flush();
      const expiresAt = expiryOf(file.createdAt, settle.expiresAfterSeconds);
      const [row] = await db
        .update(files)
        .set({ bytes, status: 'processed', ...(settle.purpose ? { purpose: settle.purpose } : {}), expiresAt })
        .where(eq(files.id, id))
        .returning();
      return row!;
    },
    abort: () => deleteStoredFile(db, id),
  };
}

/** Store a whole stream as a file; on any failure the partial file is removed and the error rethrown. */
export async function storeFile(
  db: Db,
  file: NewFile,
  content: AsyncIterable<Uint8Array | string>,
): Promise<typeof files.$inferSelect> {
  const writer = await openFileWriter(db, file);
  try {
    for await (const piece of content) await writer.write(piece);
    return await writer.finish();
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
}

/** Stream a stored file's bytes, one chunk per query. Throws `not_found` if it disappears midway. */
export async function* readFileContent(db: Db, fileId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const [chunk] = await db
      .select({ data: fileChunks.data })
      .from(fileChunks)
      .where(and(eq(fileChunks.fileId, fileId), eq(fileChunks.seq, seq)));
    if (chunk) {
      yield toBuffer(chunk.data);
      continue;
    }
    const [more] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(fileChunks)
      .where(and(eq(fileChunks.fileId, fileId), sql`${fileChunks.seq} > ${seq}`));
    if (more && more.n > 0) throw new AppError('not_found', `File ${fileId} content is incomplete.`);
    return;
  }
}

/** Remove a file and its content outright (a generated file that never became visible to anyone). */
export async function deleteStoredFile(db: Db, fileId: string): Promise<void> {
  await db.delete(files).where(eq(files.id, fileId));
}

/** A file row live at `now` (processed, not deleted, not expired), regardless of owner. */
export async function findLiveFile(db: Db, fileId: string, now: Date) {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), liveAt(now)));
  return row;
}
