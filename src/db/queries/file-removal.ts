// What follows a file's removal (deleted by its owner, or expired and swept), inside the caller's
// transaction, after the file rows were marked deleted: their content chunks go at once, and a
// finished batch whose output and error files are now all gone loses its request rows (its counts,
// usage and timestamps stay on the batch; `requests_purged_at` says why `/results` is empty).
// Shared by the delete use case and the retention sweep.
import { and, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { batchRequests } from '../tables/batch-requests.js';
import { batches } from '../tables/batches.js';
import { fileChunks } from '../tables/files.js';

/** Free the content of removed files and purge the request rows they were the last trace of. */
export async function releaseRemovedFiles(tx: Db, fileIds: string[], at: Date): Promise<{ purgedBatches: string[] }> {
  if (fileIds.length === 0) return { purgedBatches: [] };
  await tx.delete(fileChunks).where(inArray(fileChunks.fileId, fileIds));
  const purged = await tx
    .update(batches)
    .set({ requestsPurgedAt: at })
    .where(
      and(
        or(inArray(batches.outputFileId, fileIds), inArray(batches.errorFileId, fileIds)),
        isNull(batches.requestsPurgedAt),
        sql`${batches.status} in ('completed', 'failed', 'expired', 'cancelled')`,
        sql`not exists (select 1 from files f
          where f.id in (${batches.outputFileId}, ${batches.errorFileId}) and f.deleted_at is null)`,
      ),
    )
    .returning({ id: batches.id });
  const purgedBatches = purged.map((b) => b.id);
  if (purgedBatches.length > 0) await tx.delete(batchRequests).where(inArray(batchRequests.batchId, purgedBatches));
  return { purgedBatches };
}
