// The per-key API request budget when several api processes share one PostgreSQL: one row per
// tenant key counting the requests of its current window, spent with one atomic upsert a request
// (see domain/keys/request-budget.ts). PGlite, a single process, counts in memory instead.
import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.js';

export const apiRateLimits = pgTable('api_rate_limits', {
  keyId: text('key_id')
    .primaryKey()
    .references(() => apiKeys.id, { onDelete: 'cascade' }),
  /** Requests spent in the window ending at `window_ends_at`. */
  points: integer('points').notNull(),
  windowEndsAt: timestamp('window_ends_at', { withTimezone: true }).notNull(),
});
