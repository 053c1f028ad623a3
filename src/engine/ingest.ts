// Bulk writing of a batch's request rows during validation: COPY FROM STDIN on PostgreSQL (about
// 110k rows/s on PostgreSQL 15, twice multi-row INSERTs), multi-row INSERTs on PGlite; then one row
// per chunk of the lines the executor runs, the unit workers lease.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { batchChunks, CHUNK_LINES } from '../db/tables/batch-chunks.js';
import { batchRequests } from '../db/tables/batch-requests.js';
import { batches } from '../db/tables/batches.js';

export interface IngestRow {
  lineIndex: number;
  customId: string;
  model: string;
  provider: string;
  body: string;
  /** Sent in its provider's own batch: it gets no chunk (the executor never claims it). */
  native: boolean;
}

export interface RowSink {
  add(row: IngestRow): Promise<void>;
  /** Make every added row durable. */
  finish(): Promise<void>;
  /** Stop and remove whatever was written. */
  discard(): Promise<void>;
}

/**
 * Remove every request row and chunk of a batch (leftovers of a crashed, failed or cancelled
 * validation) — only while `owner` still holds its validation, or once it ended without ever
 * running. A worker whose lease lapsed never deletes the rows of the worker that took over.
 */
export async function deleteBatchRows(database: Database, batchId: string, owner: string): Promise<void> {
  const ours = sql`exists (select 1 from ${batches} where ${batches.id} = ${batchId} and (
    (${batches.status} = 'validating' and ${batches.leaseOwner} = ${owner})
    or (${batches.inProgressAt} is null and ${batches.status} in ('failed', 'cancelled', 'expired'))))`;
  await database.db.delete(batchChunks).where(and(eq(batchChunks.batchId, batchId), ours));
  await database.db.delete(batchRequests).where(and(eq(batchRequests.batchId, batchId), ours));
}

/** Rows of `batchId`, written while `owner` validates it. */
export async function openRowSink(database: Database, batchId: string, owner: string): Promise<RowSink> {
  const discard = () => deleteBatchRows(database, batchId, owner);
  const rows =
    database.driver.kind === 'postgres'
      ? await copySink(database.driver.sql, batchId, discard)
      : insertSink(database, batchId, discard);
  return withChunks(database, batchId, rows);
}

/**
 * Plans the chunks of the lines the executor runs while rows go by (every CHUNK_LINES lines; a
 * chunk spans its first to its last such line), and writes them once every row is durable.
 */
function withChunks(database: Database, batchId: string, rows: RowSink): RowSink {
  const chunks = new Map<number, { first: number; last: number; providers: Set<string> }>();
  return {
    async add(row) {
      if (!row.native) {
        const index = Math.floor(row.lineIndex / CHUNK_LINES);
        const chunk = chunks.get(index);
        if (chunk) {
          chunk.last = row.lineIndex;
          chunk.providers.add(row.provider);
        } else chunks.set(index, { first: row.lineIndex, last: row.lineIndex, providers: new Set([row.provider]) });
      }
      await rows.add(row);
    },
    async finish() {
      await rows.finish();
      const values = [...chunks].map(([chunkIndex, c]) => ({
        batchId,
        chunkIndex,
        firstLine: c.first,
        lineCount: c.last - c.first + 1,
        providers: [...c.providers],
      }));
      for (let i = 0; i < values.length; i += 1000) {
        await database.db.insert(batchChunks).values(values.slice(i, i + 1000));
      }
    },
    discard: () => rows.discard(),
  };
}

/** COPY text format: backslash, newline, carriage return and tab must be escaped. */
const copyEscape = (value: string) =>
  /[\\\n\r\t]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
    : value;

async function copySink(
  client: Extract<Database['driver'], { kind: 'postgres' }>['sql'],
  batchId: string,
  deleteRows: () => Promise<void>,
): Promise<RowSink> {
  const stream: Writable = await client`
    copy batch_requests (batch_id, line_index, custom_id, model, provider, body, native) from stdin`.writable();
  // A failed COPY (the server refused a row, the connection dropped) surfaces from the next write
  // or from finish(), never as an unhandled stream error.
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error;
  });
  const prefix = `${copyEscape(batchId)}\t`;
  let buffer = '';
  const write = async (text: string) => {
    if (failure) throw failure;
    if (!stream.write(text)) await once(stream, 'drain');
  };
  return {
    async add(row) {
      buffer += `${prefix}${row.lineIndex}\t${copyEscape(row.customId)}\t${copyEscape(row.model)}\t${copyEscape(row.provider)}\t${copyEscape(row.body)}\t${row.native ? 't' : 'f'}\n`;
      if (buffer.length >= 256 * 1024) {
        const text = buffer;
        buffer = '';
        await write(text);
      }
    },
    async finish() {
      if (buffer) await write(buffer);
      buffer = '';
      stream.end();
      await finished(stream);
    },
    async discard() {
      buffer = '';
      stream.end();
      await finished(stream).catch(() => {});
      await deleteRows();
    },
  };
}

function insertSink(database: Database, batchId: string, deleteRows: () => Promise<void>): RowSink {
  const ROWS_PER_INSERT = 1000;
  let pending: (IngestRow & { batchId: string })[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const values = pending;
    pending = [];
    await database.db.insert(batchRequests).values(values);
  };
  return {
    async add(row) {
      pending.push({ ...row, batchId });
      if (pending.length >= ROWS_PER_INSERT) await flush();
    },
    finish: flush,
    async discard() {
      pending = [];
      await deleteRows();
    },
  };
}
