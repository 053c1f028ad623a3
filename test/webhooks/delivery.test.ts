// Webhook delivery end to end, through the stock openai SDK: a finished batch reaches the
// project's endpoints (verified with `client.webhooks.unwrap`), only those subscribed to its event
// and never another project's; failed attempts (3xx, 4xx, 5xx, no answer in time, a dropped
// connection, a receiver that is down) are retried on the schedule with the same webhook-id and a
// fresh timestamp and signature each time, a 2xx ends it, an exhausted schedule gives up (recorded),
// and deleting an endpoint stops its pending deliveries.
import { createHmac } from 'node:crypto';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submit, untilTerminal } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';
import { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { localWebhooks, webhooksApi } from '../support/webhooks.js';

/** Six retries, one second apart (so each attempt's timestamp is a later second); 1 s to answer. */
const RETRIES = [1, 1, 1, 1, 1, 1];

let gw: TestGateway;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  gw = await startGateway({ config: localWebhooks(RETRIES, 1000) });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

/** A project of its own with one endpoint on `path` of the receiver. */
async function project(path: string, extra: Record<string, unknown> = {}) {
  const tenantKey = (await gw.tenant()).key;
  const own = webhooksApi(gw.url, tenantKey);
  const endpoint = await own.add(`${receiver.url}${path}`, extra);
  return { key: tenantKey, client: gw.openai(tenantKey), api: own, endpoint };
}

const finishedBatch = async (c: OpenAI, lines = [chatLine('a', 'hello')]) =>
  untilTerminal(c, (await submit(c, lines)).id);

const eventOf = (r: ReceivedWebhook) => JSON.parse(r.body) as { id: string; type: string; data: { id: string } };

function expectSigned(r: ReceivedWebhook, secret: string) {
  const signed = `${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`;
  const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
    .update(signed)
    .digest('base64');
  expect(r.headers['webhook-signature']).toBe(`v1,${mac}`);
}

describe('webhook delivery', () => {
  it('sends batch.completed to the endpoint, verified by the openai SDK', async () => {
    const p = await project('/completed');
    const batch = await finishedBatch(p.client);
    expect(batch.status).toBe('completed');
    const [request] = await receiver.until(1, '/completed');
    const event = await p.client.webhooks.unwrap(request!.body, request!.headers as never, p.endpoint.secret);
    expect(event).toEqual({
      object: 'event',
      id: expect.stringMatching(/^evt_[0-9a-z]{26}$/),
      type: 'batch.completed',
      created_at: batch.completed_at,
      data: { id: batch.id },
    });
    expect(request!.headers).toMatchObject({ 'webhook-id': event.id, 'content-type': 'application/json' });
    const timestamp = Number(request!.headers['webhook-timestamp']);
    expect(Math.abs(timestamp - request!.at / 1000)).toBeLessThan(5);
    expectSigned(request!, p.endpoint.secret);

    // A tampered body, another secret or a stale timestamp do not verify.
    await expect(
      p.client.webhooks.unwrap(
        request!.body.replace('completed', 'failed'),
        request!.headers as never,
        p.endpoint.secret,
      ),
    ).rejects.toThrow(/signature/);
    const { secret: otherSecret } = await p.api.add(`${receiver.url}/unused`);
    await expect(p.client.webhooks.unwrap(request!.body, request!.headers as never, otherSecret)).rejects.toThrow();
    const stale = { ...request!.headers, 'webhook-timestamp': String(timestamp - 600) };
    await expect(p.client.webhooks.unwrap(request!.body, stale as never, p.endpoint.secret)).rejects.toThrow(/old/);

    const attempts = await waitFor(async () => {
      const { body } = await p.api.deliveries(p.endpoint.id);
      return body.data.length === 1 ? body.data : undefined;
    });
    expect(attempts[0]).toMatchObject({
      object: 'webhook_delivery_attempt',
      event_id: event.id,
      type: 'batch.completed',
      attempt: 1,
      status_code: 200,
      error: null,
      outcome: 'delivered',
      next_attempt_at: null,
    });
    expect(Math.abs(attempts[0]!.attempted_at - timestamp)).toBeLessThanOrEqual(1);
  });

  it("sends only the events an endpoint subscribed to, and never another project's", async () => {
    const p = await project('/failed-only', { events: ['batch.failed'] });
    const neighbour = await project('/neighbour');
    // This project's batch completes (not subscribed); then one fails validation (subscribed).
    await finishedBatch(p.client);
    const failed = await finishedBatch(p.client, [chatLine('x', 'hi', {}, 'no-such-model')]);
    expect(failed.status).toBe('failed');
    const theirs = await finishedBatch(neighbour.client);
    const [got] = await receiver.until(1, '/failed-only');
    expect(eventOf(got!)).toMatchObject({ type: 'batch.failed', data: { id: failed.id } });
    const [their] = await receiver.until(1, '/neighbour');
    expect(eventOf(their!)).toMatchObject({ type: 'batch.completed', data: { id: theirs.id } });
    // Each side's own events have all been delivered by now; nothing else reached either.
    await waitFor(async () => (await p.api.deliveries(p.endpoint.id)).body.data[0]?.outcome === 'delivered');
    expect(receiver.to('/failed-only')).toHaveLength(1);
    expect(receiver.to('/neighbour')).toHaveLength(1);
  });

  it('retries 3xx, 4xx, 5xx, a late answer and a dropped connection on schedule with the same id, then a 2xx ends it', async () => {
    const p = await project('/flaky');
    receiver.queue({ status: 503 }, 1, '/flaky');
    receiver.queue({ status: 302, headers: { location: `${receiver.url}/redirected` } }, 1, '/flaky');
    receiver.queue({ status: 404 }, 1, '/flaky');
    receiver.queue({ status: 200, delayMs: 2500 }, 1, '/flaky'); // past the 1 s deadline: no answer
    receiver.queue('drop', 1, '/flaky');
    const batch = await finishedBatch(p.client);
    const requests = await receiver.until(6, '/flaky', 45_000);
    const ids = new Set(requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(eventOf(requests[0]!)).toMatchObject({ type: 'batch.completed', data: { id: batch.id } });
    const timestamps = requests.map((r) => Number(r.headers['webhook-timestamp']));
    for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1]!);
    expect(new Set(requests.map((r) => r.headers['webhook-signature'])).size).toBe(6);
    for (const r of requests) {
      expectSigned(r, p.endpoint.secret);
      await expect(p.client.webhooks.unwrap(r.body, r.headers as never, p.endpoint.secret)).resolves.toBeTruthy();
    }
    // Retries waited for the schedule (1 s after each failure ended).
    for (let i = 1; i < requests.length; i++) expect(requests[i]!.at - requests[i - 1]!.at).toBeGreaterThanOrEqual(950);
    expect(receiver.to('/redirected')).toHaveLength(0);

    const attempts = await waitFor(async () => {
      const { body } = await p.api.deliveries(p.endpoint.id);
      return body.data[0]?.outcome === 'delivered' ? body.data : undefined;
    });
    expect(
      attempts
        .reverse()
        .map((a) => [a.attempt, a.status_code, a.outcome, a.error === null ? null : a.error.slice(0, 40)]),
    ).toEqual([
      [1, 503, 'retrying', null],
      [2, 302, 'retrying', null],
      [3, 404, 'retrying', null],
      [4, null, 'retrying', 'no answer within 1000 ms'],
      [5, null, 'retrying', expect.any(String)],
      [6, 200, 'delivered', null],
    ]);
    for (const a of attempts.slice(0, 5)) expect(a.next_attempt_at).toBeGreaterThanOrEqual(a.attempted_at + 1);
    expect(attempts[5]!.next_attempt_at).toBeNull();
    // Paging the attempts: newest first, `after` the last id of a page.
    const first = (await p.api.deliveries(p.endpoint.id, '?limit=4')).body;
    expect(first.has_more).toBe(true);
    const rest = (await p.api.deliveries(p.endpoint.id, `?limit=4&after=${first.data.at(-1)!.id}`)).body;
    expect([...first.data, ...rest.data].map((a) => a.attempt)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('retries while the receiver is down and delivers once it is up', async () => {
    const port = await freePort();
    const p = await project('/unused-path');
    const { id, secret } = await p.api.add(`http://127.0.0.1:${port}/late`);
    await finishedBatch(p.client);
    const failures = await waitFor(async () => {
      const { body } = await p.api.deliveries(id);
      return body.data.length >= 2 ? body.data : undefined;
    });
    expect(failures.every((a) => a.status_code === null && a.error === 'the connection was refused')).toBe(true);
    const late = await startWebhookReceiver(port);
    try {
      const [request] = await late.until(1, '/late');
      expect(eventOf(request!).id).toBe(failures[0]!.event_id);
      await expect(p.client.webhooks.unwrap(request!.body, request!.headers as never, secret)).resolves.toMatchObject({
        type: 'batch.completed',
      });
      await waitFor(async () => (await p.api.deliveries(id)).body.data[0]?.outcome === 'delivered');
      expect(late.to('/late')).toHaveLength(1);
    } finally {
      await late.close();
    }
  });

  it('gives up once the schedule has run out, and says so', async () => {
    const port = await freePort();
    const p = await project('/unused-path');
    const { id } = await p.api.add(`http://127.0.0.1:${port}/never`);
    await finishedBatch(p.client);
    const attempts = await waitFor(
      async () => {
        const { body } = await p.api.deliveries(id);
        return body.data[0]?.outcome === 'given_up' ? body.data : undefined;
      },
      { timeoutMs: 45_000, what: 'the delivery to be given up' },
    );
    expect(attempts.map((a) => a.attempt)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(attempts[0]).toMatchObject({ next_attempt_at: null, status_code: null });
    expect(attempts.slice(1).every((a) => a.outcome === 'retrying')).toBe(true);
  });

  it('stops the pending deliveries of an endpoint deleted meanwhile', async () => {
    const p = await project('/doomed');
    const { id: keptId } = await p.api.add(`${receiver.url}/kept`);
    receiver.fallback = { status: 500 };
    try {
      await finishedBatch(p.client);
      await receiver.until(2, '/doomed');
      expect((await p.api.remove(p.endpoint.id)).status).toBe(200);
      const sentBefore = receiver.to('/doomed').length;
      const keptBefore = receiver.to('/kept').length;
      // The endpoint that stayed keeps being retried; the deleted one hears nothing more.
      await receiver.until(keptBefore + 2, '/kept');
      expect(receiver.to('/doomed')).toHaveLength(sentBefore);
      expect((await p.api.deliveries(p.endpoint.id)).status).toBe(404);
      expect((await p.api.deliveries(keptId)).body.data[0]?.outcome).toBe('retrying');
    } finally {
      receiver.fallback = { status: 200 };
    }
  });
});
