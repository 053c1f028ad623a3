// The SQL of webhook delivery: lease due deliveries (FOR UPDATE SKIP LOCKED, so two processes
// never send the same attempt at once; a lease outlives one attempt's deadline, and one left by a
// process that died lapses), record an attempt and what follows from it (delivered, retry at the
// next step of the schedule, or given up), release leases on shutdown, and say when the next
// delivery falls due. Due times are the domain clock's; leases are the database's.
import { and, eq, isNull, lt, min, or, sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import { type WebhookAttemptOutcome, webhookAttempts, webhookDeliveries } from '../../db/tables/webhooks.js';
import type { Deps } from '../../domain/deps.js';
import { newWebhookAttemptId } from '../../domain/ids.js';

export interface LeasedDelivery {
  eventId: string;
  endpointId: string;
  eventType: string;
  payload: string;
  /** Failed attempts before this one. */
  failures: number;
  url: string;
  secretCiphertext: string;
}

/** Lease up to `limit` due deliveries for `owner`, with what sending them needs. */
export async function leaseDueDeliveries(
  deps: Pick<Deps, 'db' | 'clock'>,
  owner: string,
  limit: number,
  leaseMs: number,
): Promise<LeasedDelivery[]> {
  const leased = await rows<{
    event_id: string;
    endpoint_id: string;
    event_type: string;
    payload: string;
    failures: number;
    url: string;
    secret_ciphertext: string;
  }>(
    deps.db,
    sql`
      with due as (
        select event_id, endpoint_id from webhook_deliveries
        where status = 'pending' and next_attempt_at <= ${deps.clock.now().toISOString()}::timestamptz
          and (lease_expires_at is null or lease_expires_at < now())
        order by next_attempt_at
        limit ${limit}
        for update skip locked)
      update webhook_deliveries d
      set lease_owner = ${owner}, lease_expires_at = now() + ${leaseMs}::int * interval '1 millisecond'
      from due, webhook_endpoints e
      where d.event_id = due.event_id and d.endpoint_id = due.endpoint_id and e.id = d.endpoint_id
      returning d.event_id, d.endpoint_id, d.event_type, d.payload, d.failures, e.url, e.secret_ciphertext`,
  );
  return leased.map((r) => ({
    eventId: r.event_id,
    endpointId: r.endpoint_id,
    eventType: r.event_type,
    payload: r.payload,
    failures: r.failures,
    url: r.url,
    secretCiphertext: r.secret_ciphertext,
  }));
}

export interface AttemptResult {
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
}

const delivered = (result: AttemptResult) =>
  result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;

/**
 * Record an attempt `owner` made and move the delivery on: delivered on a 2xx, else due again
 * `retryScheduleSeconds[failures]` seconds from now, or given up once the schedule has run out.
 * Nothing is recorded when the lease was lost meanwhile (another process took it over) or the
 * endpoint was deleted. Returns the outcome recorded, if any.
 */
export async function recordAttempt(
  deps: Pick<Deps, 'db' | 'clock'>,
  owner: string,
  delivery: LeasedDelivery,
  result: AttemptResult,
  retryScheduleSeconds: readonly number[],
): Promise<WebhookAttemptOutcome | null> {
  const now = deps.clock.now();
  const retryIn = retryScheduleSeconds[delivery.failures];
  const outcome: WebhookAttemptOutcome = delivered(result)
    ? 'delivered'
    : retryIn === undefined
      ? 'given_up'
      : 'retrying';
  const nextAttemptAt = outcome === 'retrying' ? new Date(now.getTime() + retryIn! * 1000) : null;
  const d = webhookDeliveries;
  return deps.db.transaction(async (tx) => {
    const [moved] = await tx
      .update(d)
      .set({
        status: outcome === 'delivered' ? 'delivered' : outcome === 'given_up' ? 'failed' : 'pending',
        failures: outcome === 'delivered' ? delivery.failures : delivery.failures + 1,
        nextAttemptAt,
        deliveredAt: outcome === 'delivered' ? now : null,
        leaseOwner: null,
        leaseExpiresAt: null,
      })
      .where(
        and(
          eq(d.eventId, delivery.eventId),
          eq(d.endpointId, delivery.endpointId),
          eq(d.status, 'pending'),
          eq(d.leaseOwner, owner),
        ),
      )
      .returning({ eventId: d.eventId });
    if (!moved) return null;
    await tx.insert(webhookAttempts).values({
      id: newWebhookAttemptId(),
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attempt: delivery.failures + 1,
      attemptedAt: result.attemptedAt,
      statusCode: result.statusCode,
      error: result.statusCode === null ? result.error : null,
      outcome,
      nextAttemptAt,
    });
    return outcome;
  });
}

/** Hand a delivery back at once (its attempt was interrupted): due again as it was. */
export async function releaseDelivery(deps: Pick<Deps, 'db'>, owner: string, delivery: LeasedDelivery) {
  await deps.db
    .update(webhookDeliveries)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(
      and(
        eq(webhookDeliveries.eventId, delivery.eventId),
        eq(webhookDeliveries.endpointId, delivery.endpointId),
        eq(webhookDeliveries.leaseOwner, owner),
      ),
    );
}

/** When the earliest pending delivery nobody holds falls due (null: none). */
export async function nextDueAt(deps: Pick<Deps, 'db'>): Promise<Date | null> {
  const d = webhookDeliveries;
  const [next] = await deps.db
    .select({ at: min(d.nextAttemptAt) })
    .from(d)
    .where(and(eq(d.status, 'pending'), or(isNull(d.leaseExpiresAt), lt(d.leaseExpiresAt, sql`now()`))));
  return next?.at ?? null;
}
