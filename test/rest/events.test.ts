// GET /v1/batches/:id/events read with plain fetch: tenancy is settled before any stream starts,
// the events follow the batch to its end in order, idle streams get keep-alive comments, and a
// client that disconnects releases its event subscription.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSubscriptions, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { openSse } from '../support/sse.js';
import { waitFor } from '../support/wait.js';

const LIFE_ORDER = ['validating', 'in_progress', 'finalizing', 'completed'];

let gw: TestGateway;
/** A gateway whose requests never finish during a test, with a short keep-alive interval. */
let slow: TestGateway;
let key: string;
let slowKey: string;
/** Event subscriptions currently open on the slow gateway's bus (counted from when the tests start). */
let openSubscriptions: () => number;

beforeAll(async () => {
  [gw, slow] = await Promise.all([
    startGateway({ config: { providers: { mock: { type: 'mock', maxConcurrency: 2, latencyMs: 40 } } } }),
    startGateway({
      sseKeepAliveMs: 50,
      config: { providers: { mock: { type: 'mock', maxConcurrency: 1, latencyMs: 600_000 } } },
    }),
  ]);
  [key, slowKey] = [(await gw.tenant()).key, (await slow.tenant()).key];
  openSubscriptions = countSubscriptions(slow);
});
afterAll(() => Promise.all([gw?.close(), slow?.close()]));

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function createBatch(token: string, lines: unknown[], on = gw) {
  const res = await fetch(`${on.url}/v1/batches`, {
    method: 'POST',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint: '/v1/chat/completions', requests: lines }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; status: string };
}

const events = (id: string, token = key, on = gw) => openSse(`${on.url}/v1/batches/${id}/events`, auth(token));

describe('GET /v1/batches/:id/events', () => {
  it("answers another project's batch, an unknown id and a missing key with an OpenAI error, not a stream", async () => {
    const other = (await gw.tenant()).key;
    const batch = await createBatch(other, [chatLine('a', 'x')]);
    for (const [stream, status, code] of [
      [await events(batch.id), 404, 'not_found'],
      [await events('batch_nope'), 404, 'not_found'],
      [await openSse(`${gw.url}/v1/batches/${batch.id}/events`), 401, 'invalid_api_key'],
    ] as const) {
      expect(stream.status).toBe(status);
      expect(stream.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(await stream.text())).toMatchObject({ error: { code, type: 'invalid_request_error' } });
    }
  });

  it('sends the current state at once, then every change in order, and ends after the terminal state', async () => {
    const lines = Array.from({ length: 16 }, (_, i) => chatLine(`l-${i}`, `hello ${i}`));
    const batch = await createBatch(key, lines);
    const stream = await events(batch.id);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toContain('no-cache');
    await stream.done;

    const received = stream.events.map((e) => ({ ...e, batch: JSON.parse(e.data) }));
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received.map((e) => e.event)).toEqual(received.map(() => 'batch'));
    expect(received.map((e) => e.id)).toEqual(received.map((_, i) => String(i + 1)));
    const statuses = received.map((e) => e.batch.status as string);
    expect(statuses.map((s) => LIFE_ORDER.indexOf(s))).toEqual(
      [...statuses.map((s) => LIFE_ORDER.indexOf(s))].sort((a, b) => a - b),
    );
    expect(statuses.at(-1)).toBe('completed');
    const done = received.map((e) => e.batch.request_counts.completed as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(received.map((e) => e.data)).size).toBe(received.length);
    expect(received.some((e) => e.batch.status === 'in_progress' && e.batch.request_counts.completed > 0)).toBe(true);

    const retrieved = await (await fetch(`${gw.url}/v1/batches/${batch.id}`, { headers: auth(key) })).json();
    expect(received.at(-1)!.batch).toEqual(retrieved);
    expect(retrieved.request_counts).toEqual({ total: 16, completed: 16, failed: 0 });
  });

  it('sends the final state of a finished batch and ends at once', async () => {
    const batch = await createBatch(key, [chatLine('only', 'x')]);
    await waitFor(async () => {
      const res = await fetch(`${gw.url}/v1/batches/${batch.id}`, { headers: auth(key) });
      return ((await res.json()) as { status: string }).status === 'completed';
    });
    const stream = await events(batch.id);
    await stream.done;
    expect(stream.events).toHaveLength(1);
    expect(JSON.parse(stream.events[0]!.data)).toMatchObject({ id: batch.id, status: 'completed' });
  });

  it('keeps an idle stream alive with comment lines, and follows a cancel to its end', async () => {
    const batch = await createBatch(slowKey, [chatLine('slow', 'x')], slow);
    const stream = await events(batch.id, slowKey, slow);
    await waitFor(() => stream.comments.length >= 3, { what: 'keep-alive comments' });
    expect(stream.comments[0]).toBe('keep-alive');
    const cancel = await fetch(`${slow.url}/v1/batches/${batch.id}/cancel`, { method: 'POST', headers: auth(slowKey) });
    expect(cancel.status).toBe(200);
    await stream.done;
    expect(JSON.parse(stream.events.at(-1)!.data).status).toBe('cancelled');
  });

  it('releases its event subscription when the client disconnects', async () => {
    const batch = await createBatch(slowKey, [chatLine('a', 'x')], slow);
    const baseline = openSubscriptions();
    const streams = await Promise.all([events(batch.id, slowKey, slow), events(batch.id, slowKey, slow)]);
    await waitFor(() => streams.every((s) => s.events.length >= 1), { what: 'first events' });
    expect(openSubscriptions()).toBe(baseline + 2);
    for (const stream of streams) stream.abort();
    await waitFor(() => openSubscriptions() === baseline, { what: 'subscriptions released' });
    const status = await fetch(`${slow.url}/v1/batches/${batch.id}`, { headers: auth(slowKey) });
    expect(((await status.json()) as { status: string }).status).not.toMatch(/completed|failed|cancelled|expired/);
  });
});
