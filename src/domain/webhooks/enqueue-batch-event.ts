// The webhook outbox: when a batch reaches a terminal status, one delivery row per endpoint of its
// project subscribed to that event, written by the transaction that makes the transition (so an
// event is never lost when the transition commits, nor sent when it does not). The body is fixed
// here, byte for byte, for every attempt: OpenAI's thin event.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { batches } from '../../db/tables/batches.js';
import { unixSeconds } from '../clock.js';
import { newEventId } from '../ids.js';
import { eventTypeOf } from './webhook.js';

type BatchRow = typeof batches.$inferSelect;

/** When the batch reached its terminal status (the timestamp its transition stamped). */
const transitionTime = (b: BatchRow) => b.completedAt ?? b.failedAt ?? b.expiredAt ?? b.cancelledAt;

export async function enqueueBatchEvent(tx: Db, batch: BatchRow): Promise<void> {
  const type = eventTypeOf(batch.status);
  const at = transitionTime(batch);
  if (!type || !at) return;
  const id = newEventId();
  const payload = JSON.stringify({ object: 'event', id, type, created_at: unixSeconds(at), data: { id: batch.id } });
  const when = at.toISOString();
  await tx.execute(sql`
    insert into webhook_deliveries (event_id, endpoint_id, event_type, batch_id, payload, next_attempt_at, created_at)
    select ${id}, e.id, ${type}, ${batch.id}, ${payload}, ${when}::timestamptz, ${when}::timestamptz
    from webhook_endpoints e
    where e.project_id = ${batch.projectId} and ${type} = any(e.events)`);
}
