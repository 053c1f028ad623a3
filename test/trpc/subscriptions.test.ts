// batches.onUpdate over SSE: auth by header or connectionParams, tracked() event ids that let a
// client resume (lastEventId) without being sent the state it already holds, reconnection after a
// dropped connection, and a server shutdown that releases live streams without ending them.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upload } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { type Client, follow, trpcClient } from './client.js';

let gw: TestGateway;
let key: string;
let openai: OpenAI;
let client: Client;

const CONFIG = {
  providers: {
    mock: { type: 'mock', maxConcurrency: 8 },
    // Each request takes 250 ms, one at a time: a batch of n lines runs for about n/4 seconds.
    slow: { type: 'mock', maxConcurrency: 1, latencyMs: 250 },
  },
  models: { 'mock-chat': { provider: 'mock' }, 'slow-chat': { provider: 'slow' } },
};

beforeAll(async () => {
  gw = await startGateway({ config: CONFIG });
  key = (await gw.tenant()).key;
  openai = gw.openai(key);
  client = trpcClient(gw.url, { key });
});
afterAll(() => gw?.close());

async function createBatch(lines: number, model = 'mock-chat', c = client, files = openai) {
  const file = await upload(
    files,
    Array.from({ length: lines }, (_, i) => chatLine(`req-${i}`, `hello ${i}`, {}, model)),
  );
  return c.batches.create.mutate({ inputFileId: file.id, endpoint: '/v1/chat/completions' });
}

describe('authentication', () => {
  it('follows a batch with the key in connectionParams (as a browser must) or in the header', async () => {
    const batch = await createBatch(3);
    const viaParams = follow(trpcClient(gw.url, { key, sseAuth: 'connectionParams' }), { id: batch.id });
    const viaHeader = follow(client, { id: batch.id });
    await Promise.all([viaParams.done, viaHeader.done]);
    expect(viaParams.events.at(-1)!.data).toMatchObject({
      status: 'completed',
      requestCounts: { total: 3, completed: 3 },
    });
    expect(viaHeader.events.at(-1)!.data).toEqual(viaParams.events.at(-1)!.data);
    expect(viaHeader.events.at(-1)!.id).toBe(viaParams.events.at(-1)!.id);
  });

  it('sends connectionParams in the query string, not a header', async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const browserLike = trpcClient(gw.url, {
      key,
      sseAuth: 'connectionParams',
      onSseRequest: (url, headers) => seen.push({ url, authorization: headers.get('authorization') }),
    });
    const batch = await createBatch(1);
    await follow(browserLike, { id: batch.id }).done;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeNull();
    expect(JSON.parse(new URL(seen[0]!.url).searchParams.get('connectionParams')!)).toEqual({
      authorization: `Bearer ${key}`,
    });
  });
});

describe('resumption with lastEventId', () => {
  it('ends at once, sending nothing, when the client already holds the final state', async () => {
    const batch = await createBatch(2);
    const first = follow(client, { id: batch.id });
    await first.done;
    const final = first.events.at(-1)!;
    expect(final.data.status).toBe('completed');

    const resumed = follow(client, { id: batch.id, lastEventId: final.id });
    await resumed.done;
    expect(resumed.events).toEqual([]);
  });

  it('sends the current state at once when the client holds an older one', async () => {
    const batch = await createBatch(4, 'slow-chat');
    const first = follow(client, { id: batch.id });
    await first.done;
    expect(first.events.length).toBeGreaterThan(1);

    const resumed = follow(client, { id: batch.id, lastEventId: first.events[0]!.id });
    await resumed.done;
    expect(resumed.events).toEqual([first.events.at(-1)]);
  });

  it('gives the same state the same id, whoever asks', async () => {
    const batch = await createBatch(1);
    await follow(client, { id: batch.id }).done;
    const a = follow(client, { id: batch.id });
    const b = follow(trpcClient(gw.url, { key, sseAuth: 'connectionParams' }), { id: batch.id });
    await Promise.all([a.done, b.done]);
    expect(a.events).toHaveLength(1);
    expect(b.events).toEqual(a.events);
  });

  it('reconnects after a dropped connection with Last-Event-ID, and reaches completed without repeats', async () => {
    const requests: { url: string; lastEventId: string | null }[] = [];
    const watcher = trpcClient(gw.url, {
      key,
      onSseRequest: (url, headers) => requests.push({ url, lastEventId: headers.get('last-event-id') }),
    });
    const batch = await createBatch(24, 'slow-chat');
    const followed = follow(watcher, { id: batch.id });
    await waitFor(
      () => followed.events.some((e) => e.data.status === 'in_progress' && e.data.requestCounts.completed > 0),
      {
        what: 'progress before the drop',
      },
    );
    const heldBeforeDrop = followed.events.at(-1)!.id;

    gw.app.server.closeAllConnections();
    await followed.done;

    expect(requests).toHaveLength(2);
    expect(requests[0]!.lastEventId).toBeNull();
    expect(requests[1]!.lastEventId).toBe(heldBeforeDrop);
    const { events } = followed;
    expect(events.at(-1)!.data).toMatchObject({ status: 'completed', requestCounts: { total: 24, completed: 24 } });
    for (let i = 1; i < events.length; i++) expect(events[i]!.id).not.toBe(events[i - 1]!.id);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});

describe('server shutdown', () => {
  it('releases live subscriptions so the server closes, without telling clients the stream ended', async () => {
    const own = await startGateway({ config: CONFIG });
    const ownKey = (await own.tenant()).key;
    const watcher = trpcClient(own.url, { key: ownKey });
    const batch = await createBatch(400, 'slow-chat', watcher, own.openai(ownKey));
    const seen: string[] = [];
    let ended = false;
    const subscription = watcher.batches.onUpdate.subscribe(
      { id: batch.id },
      {
        onData: (event) => seen.push(event.data.status),
        onConnectionStateChange: (state) => {
          if (state.error) seen.push(`${state.state}: ${state.error.data?.code}`);
        },
        onComplete: () => {
          ended = true;
        },
      },
    );
    await waitFor(() => seen.length > 0, { what: 'the first event' });

    const started = Date.now();
    await own.close();
    const closeMs = Date.now() - started;
    expect(closeMs).toBeLessThan(2000);
    // Told to reconnect (a retryable error), not that the batch's stream is over. The error frame
    // was sent before the server closed; the client may read it a moment after close() returns.
    await waitFor(() => seen.includes('connecting: SERVICE_UNAVAILABLE'), {
      timeoutMs: 5_000,
      what: 'the reconnect error',
    });
    const endedBeforeUnsubscribe = ended;
    subscription.unsubscribe();
    expect(endedBeforeUnsubscribe).toBe(false);
    expect(seen).toContain('connecting: SERVICE_UNAVAILABLE');
  });
});
