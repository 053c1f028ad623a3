// The lines of a finished batch that did not end 2xx, in input order, as JSONL lines to send
// again: read verbatim from the batch's input file (the bodies as the client wrote them, with its
// own model names), or, when that file was deleted, rebuilt from the request rows with the
// client's model name put back in place of the upstream one. A batch that never ran a line
// (validation failed, or cancelled while validating) has no rows: every line of its input counts.
// A batch whose rows were purged (its output and error files are gone) has nothing left to retry.
import { and, asc, eq, gt, gte, isNull, lt, ne, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { batchRequests } from '../../db/tables/batch-requests.js';
import type { batches } from '../../db/tables/batches.js';
import { jsonlLines } from '../../streams/jsonl-lines.js';
import { AppError } from '../errors.js';
import { findLiveFile, readFileContent } from '../files/file-store.js';

type BatchRow = typeof batches.$inferSelect;

const PAGE_ROWS = 500;

const notSucceeded = (batchId: string) =>
  and(
    eq(batchRequests.batchId, batchId),
    or(
      ne(batchRequests.state, 'done'),
      isNull(batchRequests.statusCode),
      lt(batchRequests.statusCode, 200),
      gte(batchRequests.statusCode, 300),
    ),
  );

/**
 * The failed lines of `batch` (without their newline). Throws `conflict` when there is nothing to
 * retry: every line succeeded, or the batch never ran and its input file is gone or empty.
 */
export async function failedLines(db: Db, batch: BatchRow, now: Date): Promise<AsyncIterable<string>> {
  if (batch.requestsPurgedAt) {
    throw new AppError(
      'conflict',
      `Batch ${batch.id} has no lines to retry: its results were purged when its output and error files were deleted or expired.`,
    );
  }
  const inputLive = (await findLiveFile(db, batch.inputFileId, now)) !== undefined;
  if (batch.total === 0) {
    if (!inputLive) {
      throw new AppError('conflict', `Batch ${batch.id} never ran a line and its input file was deleted.`);
    }
    return inputLines(db, batch.inputFileId, () => true);
  }
  const failed = await db
    .select({ lineIndex: batchRequests.lineIndex })
    .from(batchRequests)
    .where(notSucceeded(batch.id))
    .orderBy(asc(batchRequests.lineIndex));
  if (failed.length === 0) throw new AppError('conflict', `Batch ${batch.id} has no failed line to retry.`);
  if (!inputLive) return rebuiltLines(db, batch);
  const wanted = new Set(failed.map((row) => row.lineIndex));
  const last = failed.at(-1)!.lineIndex;
  return inputLines(db, batch.inputFileId, (index) => wanted.has(index), last);
}

/** Non-blank lines of a stored file, numbered as validation numbers them (blank lines skipped). */
async function* inputLines(
  db: Db,
  fileId: string,
  keep: (index: number) => boolean,
  lastIndex = Number.POSITIVE_INFINITY,
): AsyncGenerator<string> {
  // Split exactly as validation split it (LF and CRLF endings only), so the indexes agree.
  let index = 0;
  for await (const line of jsonlLines(readFileContent(db, fileId), Number.POSITIVE_INFINITY)) {
    if (!('text' in line) || line.text.trim() === '') continue;
    if (keep(index)) yield line.text;
    if (index++ >= lastIndex) return;
  }
}

/** The failed rows as request lines; the stored body carries the upstream model name. */
async function* rebuiltLines(db: Db, batch: BatchRow): AsyncGenerator<string> {
  for (let after = -1; ; ) {
    const rows = await db
      .select({
        lineIndex: batchRequests.lineIndex,
        customId: batchRequests.customId,
        model: batchRequests.model,
        body: batchRequests.body,
      })
      .from(batchRequests)
      .where(and(notSucceeded(batch.id), gt(batchRequests.lineIndex, after)))
      .orderBy(asc(batchRequests.lineIndex))
      .limit(PAGE_ROWS);
    for (const row of rows) {
      const body = { ...(JSON.parse(row.body) as Record<string, unknown>), model: row.model };
      yield JSON.stringify({ custom_id: row.customId, method: 'POST', url: batch.endpoint, body });
    }
    if (rows.length < PAGE_ROWS) return;
    after = rows.at(-1)!.lineIndex;
  }
}
