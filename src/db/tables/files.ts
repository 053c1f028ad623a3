// Files and their content. Content lives in the database in fixed-size chunks so any process can
// stream any file in or out without holding it whole in memory. A file past `expires_at` is gone
// at once for every API; the retention sweep then marks it deleted and frees its chunks.
import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { projects } from './projects.js';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/** `uploading` rows are invisible to every API until their last chunk is stored. */
export type FileStatus = 'uploading' | 'processed';

export const files = pgTable(
  'files',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    filename: text('filename').notNull(),
    purpose: text('purpose').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    status: text('status').$type<FileStatus>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /** When the file disappears (`expires_after`); null: kept until deleted. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [
    index('files_project_list_idx').on(t.projectId, t.id).where(sql`status = 'processed' and deleted_at is null`),
    index('files_expiry_idx').on(t.expiresAt).where(sql`deleted_at is null and expires_at is not null`),
  ],
);

export const fileChunks = pgTable(
  'file_chunks',
  {
    fileId: text('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fileId, t.seq] })],
);
