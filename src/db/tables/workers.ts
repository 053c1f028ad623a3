// Workers: one row per live worker process, upserted by its heartbeat. The live rows divide each
// provider's limits between their processes (engine/membership.ts, engine/shares.ts): `providers`
// says which limits a worker takes a share of, `joined_at` orders the remainders. A worker deletes
// its row when it stops; rows whose heartbeat is older than the live window are dead and deleted
// by the next heartbeat of any worker.
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const workers = pgTable('workers', {
  id: text('id').primaryKey(),
  providers: text('providers').array().notNull(),
  joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
});
