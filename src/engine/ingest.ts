// Bulk writing of a batch's request rows during validation: COPY FROM STDIN on PostgreSQL
// (~110k rows/s here, see shared/PERF.md), multi-row INSERTs on PGlite.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { batchRequests } from '../db/tables/batch-requests.js';

export interface IngestRow {
  lineIndex: number;
  customId: string;
  model: string;
  provider: string;
  body: string;
}

export interface RowSink {
  add(row: IngestRow): Promise<void>;
  /** Make every added row durable. */
  finish(): Promise<void>;
  /** Stop and remove whatever was written. */
  discard(): Promise<void>;
}

/** Remove every request row of a batch (leftovers of a crashed or failed validation). */
export async function deleteBatchRows(database: Database, batchId: string): Promise<void> {
  await database.db.delete(batchRequests).where(eq(batchRequests.batchId, batchId));
}

export async function openRowSink(database: Database, batchId: string): Promise<RowSink> {
  return database.driver.kind === 'postgres'
    ? copySink(database, database.driver.sql, batchId)
    : insertSink(database, batchId);
}

/** COPY text format: backslash, newline, carriage return and tab must be escaped. */
const copyEscape = (value: string) =>
  /[\\\n\r\t]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')
    : value;

async function copySink(
  database: Database,
  sql: Extract<Database['driver'], { kind: 'postgres' }>['sql'],
  batchId: string,
): Promise<RowSink> {
  const stream: Writable = await sql`
    copy batch_requests (batch_id, line_index, custom_id, model, provider, body) from stdin`.writable();
  const prefix = `${copyEscape(batchId)}\t`;
  let buffer = '';
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  return {
    async add(row) {
      buffer += `${prefix}${row.lineIndex}\t${copyEscape(row.customId)}\t${copyEscape(row.model)}\t${copyEscape(row.provider)}\t${copyEscape(row.body)}\n`;
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
      await deleteBatchRows(database, batchId);
    },
  };
}

function insertSink(database: Database, batchId: string): RowSink {
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
      await deleteBatchRows(database, batchId);
    },
  };
}
