// Live subscription life cycle: a client that goes away (SSE disconnect, graphql-ws unsubscribe or
// socket close) stops its batch watcher at once; closing the server cuts open SSE streams and
// graphql-ws sockets instead of waiting for their batches, without telling clients "complete".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSubscriptions, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine, toJsonl } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { type GatedUpstream, startGatedUpstream } from './gated-upstream.js';
import { BATCH_UPDATED, CREATE_BATCH, collect, gql, sse, uploadMultipart, wsClient } from './helpers.js';

let upstream: GatedUpstream;
beforeAll(async () => {
  upstream = await startGatedUpstream();
});
afterAll(() => upstream?.close());

/** A gateway whose every request is held by the gated upstream, so batches stay in progress. */
const heldGateway = () =>
  startGateway({
    config: {
      providers: { gated: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 1 } },
      models: { 'gated-chat': { provider: 'gated' } },
    },
    worker: { shutdownGraceMs: 200 },
  });

async function heldBatch(gw: TestGateway, key: string): Promise<string> {
  const jsonl = toJsonl([chatLine('a', 'x', {}, 'gated-chat'), chatLine('b', 'y', {}, 'gated-chat')]);
  const fileId = (await uploadMultipart(gw.url, key, jsonl, 'held.jsonl')).body.data!.uploadFile.id;
  const input = { inputFileId: fileId, endpoint: '/v1/chat/completions' };
  return (await gql(gw.url, key, CREATE_BATCH, { input })).body.data!.createBatch.id;
}

/** Well under watchBatch's 5 s safety refresh: a watcher must stop because it was told to. */
const PROMPTLY = 3000;

describe('a client going away', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await heldGateway();
  });
  afterAll(() => gw?.close());

  it('stops the batch watcher of an SSE stream, a graphql-ws unsubscribe and a closed socket', async () => {
    const { key } = await gw.tenant();
    const batchId = await heldBatch(gw, key);
    // Each live batch watcher subscribes to the event bus.
    const watchers = countSubscriptions(gw);

    const disconnect = new AbortController();
    const stream = await sse(gw.url, key, BATCH_UPDATED, { id: batchId }, disconnect.signal);
    const ended = stream.done.catch(() => 'dropped');
    await waitFor(() => stream.events.length > 0 && watchers() === 1, { what: 'SSE subscription live' });
    disconnect.abort();
    await waitFor(() => watchers() === 0, { what: 'SSE watcher stopped', timeoutMs: PROMPTLY });
    expect(await ended).toBe('dropped');

    const client = wsClient(gw.url, key);
    const first = collect(client, BATCH_UPDATED, { id: batchId });
    await waitFor(() => first.results.length > 0 && watchers() === 1, { what: 'graphql-ws subscription live' });
    first.stop();
    await waitFor(() => watchers() === 0, { what: 'watcher stopped on unsubscribe', timeoutMs: PROMPTLY });

    const second = collect(client, BATCH_UPDATED, { id: batchId });
    second.done.catch(() => {});
    await waitFor(() => second.results.length > 0 && watchers() === 1, { what: 'second subscription live' });
    await client.dispose();
    await waitFor(() => watchers() === 0, { what: 'watcher stopped on socket close', timeoutMs: PROMPTLY });
  });
});

describe('server shutdown', () => {
  it('closes promptly while subscriptions follow a batch that is still running', async () => {
    const gw = await heldGateway();
    const { key } = await gw.tenant();
    const batchId = await heldBatch(gw, key);

    const client = wsClient(gw.url, key);
    const ws = collect(client, BATCH_UPDATED, { id: batchId });
    const wsOutcome = ws.done.then(
      () => 'completed',
      () => 'dropped',
    );
    const stream = await sse(gw.url, key, BATCH_UPDATED, { id: batchId });
    const sseOutcome = stream.done.then(
      () => 'ended',
      () => 'dropped',
    );
    await waitFor(() => ws.results.length > 0 && stream.events.length > 0, { what: 'both subscriptions live' });

    const started = Date.now();
    await gw.close();
    expect(Date.now() - started).toBeLessThan(10_000);

    expect(await wsOutcome).toBe('dropped');
    expect(['ended', 'dropped']).toContain(await sseOutcome);
    expect(stream.events.map((e) => e.event)).not.toContain('complete');
    const states = [...ws.results, ...stream.events.map((e) => e.data)].map((r) => r.data?.batchUpdated.status);
    expect(states).not.toContain('COMPLETED');
    await client.dispose();
  });
});
