// Webhooks: a project's endpoints (signing secret encrypted at rest), the outbox of deliveries
// (one row per event and endpoint, written in the transaction of the batch's terminal transition,
// leased by whichever worker sends it), and the log of attempts. Deleting an endpoint deletes its
// pending deliveries and their history with it.
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { projects } from './projects.js';

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    url: text('url').notNull(),
    /** Event types sent to it (`batch.completed`, …). */
    events: text('events').array().notNull(),
    description: text('description'),
    /** The `whsec_…` secret, AES-256-GCM encrypted (see domain/webhooks/secret-box.ts). */
    secretCiphertext: text('secret_ciphertext').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('webhook_endpoints_project_idx').on(t.projectId, t.id)],
);

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    eventId: text('event_id').notNull(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    batchId: text('batch_id').notNull(),
    /** The exact body sent on every attempt (signatures cover these bytes). */
    payload: text('payload').notNull(),
    /** pending (due at `next_attempt_at`) → delivered | failed (given up after the schedule). */
    status: text('status').$type<WebhookDeliveryStatus>().notNull().default('pending'),
    /** Failed attempts so far. */
    failures: integer('failures').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    /** The worker sending it now; a lapsed lease (a process that died mid-send) is taken over. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: ts('lease_expires_at'),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.endpointId] }),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
);

export const WEBHOOK_ATTEMPT_OUTCOMES = ['delivered', 'retrying', 'given_up'] as const;
export type WebhookAttemptOutcome = (typeof WEBHOOK_ATTEMPT_OUTCOMES)[number];

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** 1 for the first attempt of the event at this endpoint. */
    attempt: integer('attempt').notNull(),
    attemptedAt: ts('attempted_at').notNull(),
    /** The answer's status, or null when none came (then `error` says why). */
    statusCode: integer('status_code'),
    error: text('error'),
    outcome: text('outcome').$type<WebhookAttemptOutcome>().notNull(),
    /** When the next attempt is due; null once delivered or given up. */
    nextAttemptAt: ts('next_attempt_at'),
  },
  (t) => [index('webhook_attempts_endpoint_idx').on(t.endpointId, t.id)],
);
