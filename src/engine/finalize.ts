// Finalize: once every row of a batch has ended, write its output file (2xx answers) and error
// file (everything else) in input order, in OpenAI's batch line format; the terminal status is set
// with them by lifecycle.finish. The lines are built and chunked inside PostgreSQL (no response
// travels to this process and back). One transaction, holding the batch row lock: a crash leaves
// nothing half done and another worker simply finalizes again. The files expire as the batch's
// `output_expires_after` says (counted from now).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Db, rows } from '../db/client.js';
import { type BatchStatus, batches } from '../db/tables/batches.js';
import { files } from '../db/tables/files.js';
import { finish, markFinalizing } from '../domain/batches/lifecycle.js';
import type { Deps } from '../domain/deps.js';
import { expiryOf } from '../domain/files/expires-after.js';
import { CHUNK_BYTES } from '../domain/files/file-store.js';
import { newFileId } from '../domain/ids.js';

/**
 * One JSONL line per row, as SQL: `batch_req_` + md5 of the batch id and line as the line's id;
 * an answer (2xx or upstream error) as `response`, a request with no answer as `error`.
 */
const LINE = sql`'{"id":"batch_req_' || md5(r.batch_id || ':' || r.line_index) || '","custom_id":' || to_json(r.custom_id)::text ||
  case when r.status_code is not null and r.response is not null
    then ',"response":{"status_code":' || r.status_code || ',"request_id":' || to_json(coalesce(r.request_id, ''))::text ||
         ',"body":' || r.response || '},"error":null}'
    else ',"response":null,"error":{"code":' || to_json(coalesce(r.error_code, 'upstream_unreachable'))::text ||
         ',"message":' || to_json(coalesce(r.error_message, ''))::text || '}}'
  end || chr(10)`;

/**
 * Write both files' chunks in one statement: lines in input order, a new chunk whenever a line
 * starts past the next CHUNK_BYTES boundary of its file. Returns the bytes written per file.
 */
async function writeResultFiles(tx: Db, batchId: string, outputId: string, errorId: string) {
  return rows<{ file_id: string; bytes: number }>(
    tx,
    sql`
    -- Materialized: inlined, each line was built three times (once per use of "line" below).
    with lines as materialized (
      select r.line_index,
        case when r.status_code between 200 and 299 and r.response is not null then ${outputId} else ${errorId} end as file_id,
        ${LINE} as line
      from batch_requests r where r.batch_id = ${batchId}
    ), placed as (
      select file_id, line_index, line,
        (sum(octet_length(line)) over (partition by file_id order by line_index rows unbounded preceding)
          - octet_length(line)) / ${CHUNK_BYTES} as seq
      from lines
    ), chunks as (
      -- Sorted once here, so the aggregate needs no sort of its own (a third of the time).
      insert into file_chunks (file_id, seq, data)
      select file_id, seq, convert_to(string_agg(line, ''), 'UTF8')
      from (select * from placed order by file_id, seq, line_index) ordered group by file_id, seq
      returning file_id, octet_length(data) as bytes
    )
    select file_id, sum(bytes)::bigint::float8 as bytes from chunks group by file_id`,
  );
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

/**
 * Finalize `batchId` if every line has ended and nobody else is finalizing it: `finalizing` first
 * (lifecycle.markFinalizing), then the files and the terminal status in one transaction
 * (lifecycle.finish). Returns the terminal status set, or null.
 */
export async function finalizeBatch(deps: Deps, batchId: string): Promise<BatchStatus | null> {
  await markFinalizing(deps, batchId);
  const done = await finish(deps, batchId, async (tx, batch) => {
    // The lines of a large batch are sorted twice; at the default 4 MB they spilled to disk.
    await tx.execute(sql`set local work_mem = '64MB'`);
    const [outputId, errorId] = [newFileId(), newFileId()];
    const sides = { [outputId]: 'output', [errorId]: 'error' };
    const createdAt = deps.clock.now();
    const expiresAt = expiryOf(createdAt, batch.outputExpiresAfterSeconds);
    await tx.insert(files).values(
      Object.entries(sides).map(([id, side]) => ({
        id,
        projectId: batch.projectId,
        filename: `${batch.id}_${side}.jsonl`,
        purpose: 'batch_output',
        status: 'uploading' as const,
        createdAt,
        expiresAt,
      })),
    );
    const written = new Map((await writeResultFiles(tx, batch.id, outputId, errorId)).map((w) => [w.file_id, w.bytes]));
    for (const id of [outputId, errorId]) {
      const bytes = written.get(id);
      if (bytes === undefined)
        await tx.delete(files).where(eq(files.id, id)); // a side with no lines gets no file
      else await tx.update(files).set({ bytes, status: 'processed' }).where(eq(files.id, id));
    }
    const [expired] = await rows<{ any: boolean }>(
      tx,
      sql`select exists (select 1 from batch_requests where batch_id = ${batch.id} and error_code = 'batch_expired') as any`,
    );
    return {
      outputFileId: written.has(outputId) ? outputId : null,
      errorFileId: written.has(errorId) ? errorId : null,
      anyExpired: expired?.any ?? false,
    };
  });
  return done?.status ?? null;
}
