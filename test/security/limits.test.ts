// Finding: unbounded work per request — no GraphQL depth, alias or cost limit, unbounded tRPC
// batches, unlimited live streams per key, and a revoked key kept streaming. Each is bounded now.
import { buildSchema, parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REVOCATION_SWEEP_MS } from '../../src/domain/keys/live-streams.js';
import { MAX_DEPTH, operationCost, shapeError } from '../../src/transports/graphql/query-limits.js';
import { collect, gql, sse, uploadMultipart, wsClient } from '../graphql/helpers.js';
import { submit, untilStatus, untilTerminal } from '../support/batches.js';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { trpcClient } from '../trpc/client.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    config: {
      // Lines that take a minute: batches stay running while streams follow them.
      providers: { mock: { type: 'mock', maxConcurrency: 4 }, slow: { type: 'mock', latencyMs: 60_000 } },
      models: { 'mock-chat': { provider: 'mock' }, 'slow-chat': { provider: 'slow' } },
      limits: { liveStreamsPerKey: 3 },
    },
  });
});
afterAll(() => gw?.close());

describe('GraphQL operation limits', () => {
  it('judges depth on any schema, introspection excepted', () => {
    const schema = buildSchema('type Query { node: Node } type Node { child: Node id: ID }');
    const nested = (depth: number) =>
      `{ ${'node { '.repeat(1)}${'child { '.repeat(depth - 2)}id${' }'.repeat(depth - 1)} }`;
    expect(shapeError(schema, parse(nested(MAX_DEPTH)))).toBeNull();
    expect(shapeError(schema, parse(nested(MAX_DEPTH + 1)))?.extensions.code).toBe('QUERY_TOO_COMPLEX');
    const introspection = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`;
    expect(shapeError(schema, parse(introspection))).toBeNull();
  });

  it('measures each fragment once, so fragments spreading each other twice cannot blow up the check', () => {
    const schema = buildSchema('type Query { node: Node } type Node { child: Node id: ID name: String }');
    const fragments = Array.from({ length: 40 }, (_, i) =>
      i === 39 ? `fragment F${i} on Node { id name }` : `fragment F${i} on Node { ...F${i + 1} ...F${i + 1} }`,
    );
    const document = parse(`{ node { ...F0 } } ${fragments.join(' ')}`);
    const started = performance.now();
    expect(shapeError(schema, document)).toBeNull();
    const cost = operationCost(schema, document);
    expect(performance.now() - started).toBeLessThan(500);
    // 2^39 spreads of two fields, each counted: far past any ceiling, and computed, not walked.
    expect(cost).toBeGreaterThan(2 ** 39);
  });

  it('answers one QUERY_TOO_COMPLEX error for a document deeper than 12, whatever else is wrong with it', async () => {
    const { key } = await gw.tenant();
    const deep = `{ ${'a { '.repeat(13)}b${' }'.repeat(13)} }`;
    const res = await gql(gw.url, key, deep);
    expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX' } })]);
  });

  it('executes nothing of a mutation with more than 30 aliases', async () => {
    const { key } = await gw.tenant();
    const file = (await uploadMultipart(gw.url, key, `${JSON.stringify(chatLine('a', 'b'))}\n`, 'keep.jsonl')).body
      .data!.uploadFile.id;
    const aliases = Array.from({ length: 31 }, (_, i) => `d${i}: deleteFile(id: "${file}")`).join(' ');
    const res = await gql(gw.url, key, `mutation { ${aliases} }`);
    expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX' } })]);
    expect(res.body.data ?? null).toBeNull();
    expect((await gql(gw.url, key, `{ file(id: "${file}") { id } }`)).body.data).toEqual({ file: { id: file } });
  });

  it('refuses an estimated cost over 50,000, counting `first` from literals and variables', async () => {
    const { key } = await gw.tenant();
    const query = 'query($n: Int) { files(first: $n) { edges { node { id filename purpose bytes createdAt } } } }';
    expect((await gql(gw.url, key, query, { n: 1000 })).body.errors).toBeUndefined();
    const tooMany = await gql(gw.url, key, query, { n: 10_000 });
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX' } })]);
    const literal = await gql(
      gw.url,
      key,
      '{ files(first: 10000) { edges { node { id filename purpose bytes createdAt } } } }',
    );
    expect(literal.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});

describe('tRPC batches', () => {
  it('hold at most 10 calls (400 BAD_REQUEST beyond)', async () => {
    const { key } = await gw.tenant();
    const call = (n: number) =>
      fetch(`${gw.url}/trpc/${Array.from({ length: n }, () => 'models.list').join(',')}?batch=1&input={}`, {
        headers: { authorization: `Bearer ${key}` },
      });
    expect((await call(10)).status).toBe(200);
    const refused = await call(11);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('BAD_REQUEST');
  });
});

describe('live streams per key', () => {
  it('allows the configured number across faces, refuses one more with each face’s rate-limit error, and frees a slot on close', async () => {
    const tenant = await gw.tenant();
    const client = gw.openai(tenant.key);
    const batch = await submit(client, [chatLine('s1', 'slow', {}, 'slow-chat')]);
    await untilStatus(client, batch.id, ['in_progress'], 30_000);
    const query = 'subscription($id: ID!) { batchUpdated(id: $id) { status } }';

    const aborts = [new AbortController(), new AbortController()];
    const viaSse = await Promise.all(aborts.map((a) => sse(gw.url, tenant.key, query, { id: batch.id }, a.signal)));
    for (const s of viaSse) s.done.catch(() => {}); // ended by aborting them
    await waitFor(() => viaSse.every((s) => s.events.length > 0), { what: 'the first events' });
    const ws = wsClient(gw.url, tenant.key);
    const third = collect(ws, query, { id: batch.id });
    await waitFor(() => third.results.length > 0, { what: 'the graphql-ws stream' });

    const fourth = await sse(gw.url, tenant.key, query, { id: batch.id });
    await fourth.done;
    expect(fourth.events.find((e) => e.event === 'next')?.data.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const trpc = trpcClient(gw.url, { key: tenant.key });
    const refused = await new Promise<string | undefined>((resolve) => {
      trpc.batches.onUpdate.subscribe(
        { id: batch.id },
        {
          onError: (error) => resolve(error.data?.code),
          onConnectionStateChange: (s) => s.error && resolve(s.error.data?.code),
        },
      );
    });
    expect(refused).toBe('TOO_MANY_REQUESTS');

    aborts[0]!.abort();
    await waitFor(
      async () => {
        const again = await sse(gw.url, tenant.key, query, { id: batch.id });
        const first = await waitFor(() => again.events[0], { timeoutMs: 5000 });
        return first.data?.data?.batchUpdated ? again : undefined;
      },
      { timeoutMs: 10_000, what: 'a freed slot' },
    );
    // The admin key is not limited.
    const admin = await Promise.all(
      Array.from({ length: 4 }, () => sse(gw.url, TEST_ADMIN_KEY, query, { id: batch.id }, AbortSignal.timeout(3000))),
    );
    for (const s of admin) s.done.catch(() => {}); // ended by their timeout
    await waitFor(() => admin.every((s) => s.events.some((e) => e.data?.data?.batchUpdated)), {
      what: 'admin streams',
    });
    third.stop();
    await ws.dispose();
    await client.batches.cancel(batch.id);
  });

  it('end within 10 s of their key being revoked', async () => {
    const tenant = await gw.tenant();
    const client = gw.openai(tenant.key);
    const batch = await submit(client, [chatLine('r1', 'slow', {}, 'slow-chat')]);
    const query = 'subscription($id: ID!) { batchUpdated(id: $id) { status } }';
    const stream = await sse(gw.url, tenant.key, query, { id: batch.id });
    await waitFor(() => stream.events.length > 0, { what: 'the first event' });

    const revoked = await fetch(`${gw.url}/admin/keys/${tenant.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(revoked.status).toBe(200);
    const started = Date.now();
    await stream.done;
    expect(Date.now() - started).toBeLessThan(10_000 + REVOCATION_SWEEP_MS / 5);
    const last = stream.events.filter((e) => e.event === 'next').at(-1);
    expect(last?.data.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const admin = gw.openai(TEST_ADMIN_KEY);
    await admin.batches.cancel(batch.id);
    expect((await untilTerminal(admin, batch.id)).status).toBe('cancelled');
  });

  it('refuses the next operation on an open graphql-ws connection once its key is revoked', async () => {
    const tenant = await gw.tenant();
    // Kept open between operations, so the second runs on the socket the key opened.
    const ws = createClient({
      url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tenant.key}` },
      retryAttempts: 0,
      lazy: false,
    });
    let sockets = 0;
    ws.on('connected', () => sockets++);
    try {
      const before = collect(ws, '{ models { id } }', {});
      await before.done;
      expect(before.results[0]?.data).toBeTruthy();
      await fetch(`${gw.url}/admin/keys/${tenant.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      const after = collect(ws, '{ models { id } }', {});
      await after.done;
      expect(after.results).toEqual([
        { errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })] },
      ]);
    } finally {
      await ws.dispose();
    }
  });
});
