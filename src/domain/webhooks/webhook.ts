// Webhook endpoints and their delivery attempts as the domain presents them (camelCase, unix
// seconds), and the event types: one per terminal batch status, named as OpenAI names them.
import type { BatchStatus } from '../../db/tables/batches.js';
import type { WebhookAttemptOutcome, webhookAttempts, webhookEndpoints } from '../../db/tables/webhooks.js';
import { unixSeconds } from '../clock.js';

export const WEBHOOK_EVENT_TYPES = ['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event a batch's status sends, or null for a status that is not terminal. */
export function eventTypeOf(status: BatchStatus): WebhookEventType | null {
  const type = `batch.${status}`;
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type) ? (type as WebhookEventType) : null;
}

/** Endpoints a project may have. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;

export interface WebhookEndpoint {
  id: string;
  project: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  createdAt: number;
}

export const toWebhookEndpoint = (row: typeof webhookEndpoints.$inferSelect): WebhookEndpoint => ({
  id: row.id,
  project: row.projectId,
  url: row.url,
  events: row.events as WebhookEventType[],
  description: row.description,
  createdAt: unixSeconds(row.createdAt)!,
});

/** One attempt to deliver an event to an endpoint. */
export interface WebhookAttempt {
  id: string;
  eventId: string;
  type: WebhookEventType;
  attempt: number;
  /** The receiver's status code, or null when no answer came (`error` says why). */
  statusCode: number | null;
  error: string | null;
  /** delivered (2xx), retrying (at `nextAttemptAt`) or given_up (the retry schedule ran out). */
  outcome: WebhookAttemptOutcome;
  attemptedAt: number;
  nextAttemptAt: number | null;
}

export const toWebhookAttempt = (row: typeof webhookAttempts.$inferSelect): WebhookAttempt => ({
  id: row.id,
  eventId: row.eventId,
  type: row.eventType as WebhookEventType,
  attempt: row.attempt,
  statusCode: row.statusCode,
  error: row.error,
  outcome: row.outcome,
  attemptedAt: unixSeconds(row.attemptedAt)!,
  nextAttemptAt: unixSeconds(row.nextAttemptAt),
});
