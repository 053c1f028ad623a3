// Every terminal status sends its event (batch.completed, batch.failed, batch.expired,
// batch.cancelled), stamped with the transition's time; an event of a batch that ended while no
// worker ran (cancelled on an api-only gateway) is delivered after a restart by the next process.
// The secret key: a gateway started with another BATCHGATE_SECRET_KEY cannot sign (recorded,
// nothing sent), and restoring the key lets the retry through.
import { eq } from 'drizzle-orm';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries, webhookEndpoints } from '../../src/db/tables/webhooks.js';
import { createBatch } from '../../src/domain/batches/create-batch.js';
import { SecretBox } from '../../src/domain/webhooks/secret-box.js';
import { submit, untilTerminal, upload } from '../support/batches.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type GatewayOptions, startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { localWebhooks, webhooksApi } from '../support/webhooks.js';

let receiver: WebhookReceiver;
const open: TestGateway[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  for (const gw of open) await gw.close();
  for (const db of databases) await db.drop();
  await receiver?.close();
});

async function gateway(database: TestDatabase, options: GatewayOptions = {}) {
  const gw = await startGateway({ database, config: localWebhooks([0.5, 0.5, 0.5, 0.5]), ...options });
  open.push(gw);
  return gw;
}

async function database() {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

const events = (path: string) =>
  receiver
    .to(path)
    .map((r) => JSON.parse(r.body) as { id: string; type: string; created_at: number; data: { id: string } });

describe('terminal batch events', () => {
  it('sends each terminal status as its event, including those that ended while no worker ran', async () => {
    const db = await database();
    const apiOnly = await gateway(db, { role: 'api' });
    const { key, id: keyId } = await apiOnly.tenant('events');
    const caller = { kind: 'key' as const, keyId, projectId: 'events' };
    const api = webhooksApi(apiOnly.url, key);
    const all = await api.add(`${receiver.url}/all`);
    const completedOnly = await api.add(`${receiver.url}/completed-only`, { events: ['batch.completed'] });
    let client: OpenAI = apiOnly.openai(key);

    // No worker: batches stay validating. One is cancelled; one is created a day ago (its 24 h
    // window already past), so the next process's maintenance expires it.
    const cancelled = await client.batches.cancel((await submit(client, [chatLine('a', 'x')])).id);
    expect(cancelled.status).toBe('cancelled');
    const dayAgo = { now: () => new Date(Date.now() - 25 * 3600 * 1000) };
    const overdue = await createBatch({ ...apiOnly.deps, clock: dayAgo }, caller, {
      inputFileId: (await upload(client, [chatLine('b', 'y')])).id,
      endpoint: '/v1/chat/completions',
    });
    // The cancellation's outbox row committed with it: one per subscribed endpoint.
    const queued = await apiOnly.deps.db
      .select({ endpoint: webhookDeliveries.endpointId, type: webhookDeliveries.eventType })
      .from(webhookDeliveries);
    expect(queued).toEqual([{ endpoint: all.id, type: 'batch.cancelled' }]);
    await apiOnly.close();

    const next = await gateway(db);
    client = next.openai(key);
    const expired = await untilTerminal(client, overdue.id);
    expect(expired.status).toBe('expired');
    await receiver.until(2, '/all');
    const completed = await untilTerminal(client, (await submit(client, [chatLine('c', 'z')])).id);
    const failed = await untilTerminal(client, (await submit(client, [chatLine('d', 'w', {}, 'no-such-model')])).id);
    expect([completed.status, failed.status]).toEqual(['completed', 'failed']);
    await receiver.until(4, '/all');
    await receiver.until(1, '/completed-only');

    const byType = Object.fromEntries(events('/all').map((e) => [e.type, e]));
    expect(byType).toEqual({
      'batch.cancelled': expect.objectContaining({ created_at: cancelled.cancelled_at, data: { id: cancelled.id } }),
      'batch.expired': expect.objectContaining({ created_at: expired.expired_at, data: { id: expired.id } }),
      'batch.completed': expect.objectContaining({ created_at: completed.completed_at, data: { id: completed.id } }),
      'batch.failed': expect.objectContaining({ created_at: failed.failed_at, data: { id: failed.id } }),
    });
    expect(new Set(events('/all').map((e) => e.id)).size).toBe(4);
    expect(events('/completed-only')).toEqual([byType['batch.completed']]);
    for (const r of receiver.to('/all')) {
      await expect(client.webhooks.unwrap(r.body, r.headers as never, all.secret)).resolves.toBeTruthy();
    }
    await waitFor(async () => {
      const { body } = await webhooksApi(next.url, key).deliveries(completedOnly.id);
      return body.data[0]?.outcome === 'delivered';
    });
    expect(receiver.to('/all')).toHaveLength(4);
    expect(receiver.to('/completed-only')).toHaveLength(1);
  });

  it('uses BATCHGATE_SECRET_KEY when set; under another key nothing is signed or sent until it is restored', async () => {
    const db = await database();
    const env = { BATCHGATE_SECRET_KEY: 'first-secret-key-0123456789' };
    const first = await gateway(db, { env });
    const { key } = await first.tenant('rotation');
    const endpoint = await webhooksApi(first.url, key).add(`${receiver.url}/rotated`);
    const [row] = await first.deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
    expect(new SecretBox(env.BATCHGATE_SECRET_KEY).decrypt(row!.secretCiphertext, endpoint.id)).toBe(endpoint.secret);
    expect(() => new SecretBox(TEST_ADMIN_KEY).decrypt(row!.secretCiphertext, endpoint.id)).toThrow(/another key/);
    await first.close();

    const rotated = await gateway(db, { env: { BATCHGATE_SECRET_KEY: 'second-secret-key-0123456789' } });
    const client = rotated.openai(key);
    await untilTerminal(client, (await submit(client, [chatLine('r', 'x')])).id);
    const refused = await waitFor(
      async () => (await webhooksApi(rotated.url, key).deliveries(endpoint.id)).body.data[0],
    );
    expect(refused).toMatchObject({
      status_code: null,
      outcome: 'retrying',
      error: expect.stringMatching(
        /^not sent: the endpoint's secret cannot be read with the gateway's current secret key/,
      ),
    });
    await rotated.close();
    expect(receiver.to('/rotated')).toHaveLength(0);

    const restored = await gateway(db, { env });
    const [request] = await receiver.until(1, '/rotated');
    expect(JSON.parse(request!.body).id).toBe(refused.event_id);
    await expect(
      restored.openai(key).webhooks.unwrap(request!.body, request!.headers as never, endpoint.secret),
    ).resolves.toMatchObject({ type: 'batch.completed' });
  });
});
