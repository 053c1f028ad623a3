// Finalize: once every row of a batch has ended, stream its rows in input order into the output
// file (2xx answers) and the error file (everything else) in OpenAI's batch line format, then set
// the terminal status. One transaction, holding the batch row lock: a crash leaves nothing half
// done and another worker simply finalizes again.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { batchRequests } from '../db/tables/batch-requests.js';
import { type BatchStatus, batches } from '../db/tables/batches.js';
import type { Deps } from '../domain/deps.js';
import { type FileWriter, openFileWriter } from '../domain/files/file-store.js';
import { batchRequestId } from '../domain/ids.js';

const PAGE = 2000;

type DoneRow = Pick<
  typeof batchRequests.$inferSelect,
  'lineIndex' | 'customId' | 'statusCode' | 'response' | 'requestId' | 'errorCode' | 'errorMessage'
>;

/** One JSONL line of the output or error file. */
export function batchOutputLine(batchId: string, row: DoneRow): { ok: boolean; line: string } {
  const id = JSON.stringify(batchRequestId(batchId, row.lineIndex));
  const customId = JSON.stringify(row.customId);
  if (row.statusCode !== null && row.response !== null) {
    const requestId = JSON.stringify(row.requestId ?? '');
    return {
      ok: row.statusCode >= 200 && row.statusCode < 300,
      line: `{"id":${id},"custom_id":${customId},"response":{"status_code":${row.statusCode},"request_id":${requestId},"body":${row.response}},"error":null}\n`,
    };
  }
  const error = JSON.stringify({ code: row.errorCode ?? 'upstream_unreachable', message: row.errorMessage ?? '' });
  return { ok: false, line: `{"id":${id},"custom_id":${customId},"response":null,"error":${error}}\n` };
}

/** Ended batches waiting for their files (found by the maintenance sweep). */
export async function batchesReadyToFinalize(deps: Pick<Deps, 'db'>, limit = 10): Promise<string[]> {
  const found = await deps.db
    .select({ id: batches.id })
    .from(batches)
    .where(
      and(
        inArray(batches.status, ['in_progress', 'finalizing', 'cancelling']),
        sql`${batches.completed} + ${batches.failed} >= ${batches.total}`,
      ),
    )
    .limit(limit);
  return found.map((b) => b.id);
}

/** Finalize `batchId` if it is ready and nobody else is finalizing it; returns the terminal status set. */
export async function finalizeBatch(deps: Deps, batchId: string): Promise<BatchStatus | null> {
  const ready = sql`${batches.completed} + ${batches.failed} >= ${batches.total}`;
  // Make `finalizing` visible first, unless the batch is being cancelled or has run out of time.
  const [marked] = await deps.db
    .update(batches)
    .set({ status: 'finalizing', finalizingAt: deps.clock.now() })
    .where(and(eq(batches.id, batchId), eq(batches.status, 'in_progress'), ready, sql`${batches.expiresAt} > now()`))
    .returning();
  if (marked) await deps.events.publish({ id: marked.id, projectId: marked.projectId, status: marked.status });

  const done = await deps.db.transaction(async (tx) => {
    const [batch] = await tx
      .select()
      .from(batches)
      .where(and(eq(batches.id, batchId), inArray(batches.status, ['in_progress', 'finalizing', 'cancelling']), ready))
      .for('update', { skipLocked: true });
    if (!batch) return null;
    const writers: { output?: FileWriter; error?: FileWriter } = {};
    const writerFor = async (side: 'output' | 'error') => {
      writers[side] ??= await openFileWriter(tx, {
        projectId: batch.projectId,
        filename: `${batch.id}_${side}.jsonl`,
        purpose: 'batch_output',
      });
      return writers[side]!;
    };
    let expired = false;
    for (let after = -1; ; ) {
      const page = await tx
        .select({
          lineIndex: batchRequests.lineIndex,
          customId: batchRequests.customId,
          statusCode: batchRequests.statusCode,
          response: batchRequests.response,
          requestId: batchRequests.requestId,
          errorCode: batchRequests.errorCode,
          errorMessage: batchRequests.errorMessage,
        })
        .from(batchRequests)
        .where(and(eq(batchRequests.batchId, batch.id), gt(batchRequests.lineIndex, after)))
        .orderBy(asc(batchRequests.lineIndex))
        .limit(PAGE);
      if (page.length === 0) break;
      let output = '';
      let errors = '';
      for (const row of page) {
        const { ok, line } = batchOutputLine(batch.id, row);
        if (ok) output += line;
        else errors += line;
        if (row.errorCode === 'batch_expired') expired = true;
      }
      if (output) await (await writerFor('output')).write(output);
      if (errors) await (await writerFor('error')).write(errors);
      after = page.at(-1)!.lineIndex;
    }
    const outputFile = writers.output ? await writers.output.finish() : undefined;
    const errorFile = writers.error ? await writers.error.finish() : undefined;
    const now = deps.clock.now();
    const status: BatchStatus = batch.status === 'cancelling' ? 'cancelled' : expired ? 'expired' : 'completed';
    const [updated] = await tx
      .update(batches)
      .set({
        status,
        outputFileId: outputFile?.id ?? null,
        errorFileId: errorFile?.id ?? null,
        finalizingAt: batch.finalizingAt ?? (status === 'completed' ? now : null),
        completedAt: status === 'completed' ? now : null,
        expiredAt: status === 'expired' ? now : null,
        cancelledAt: status === 'cancelled' ? now : null,
      })
      .where(eq(batches.id, batch.id))
      .returning();
    return updated!;
  });
  if (!done) return null;
  await deps.events.publish({ id: done.id, projectId: done.projectId, status: done.status });
  return done.status;
}
