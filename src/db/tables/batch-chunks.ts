// Work units of execution: a batch's lines in runs of CHUNK_LINES, one row per run that still has
// open lines. A worker leases whole chunks (renewed by heartbeats; a lapsed lease is taken over),
// runs their open lines, and deletes the chunk in the statement that records its last line.
// Leasing 64 lines with one row update keeps the request rows themselves to a single write each.
import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { batches } from './batches.js';

/** Lines per chunk: claims of ≥ 64 rows keep PostgreSQL's share small (claims of 8–16 rows tripled its CPU). */
export const CHUNK_LINES = 64;

export const batchChunks = pgTable(
  'batch_chunks',
  {
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull(),
    firstLine: integer('first_line').notNull(),
    lineCount: integer('line_count').notNull(),
    /** The providers its lines go to, so a worker claims only chunks it has room for. */
    providers: text('providers').array().notNull(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.chunkIndex] })],
);
