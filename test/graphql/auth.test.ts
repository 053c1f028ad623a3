// Auth on /graphql: without a valid key nothing is read or changed, on HTTP, SSE and graphql-ws
// (UNAUTHENTICATED); each key's request budget applies per HTTP request and per subscribe (RATE_LIMITED).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { collect, gql, sse, uploadMultipart, wsClient } from './helpers.js';

describe('without a valid key', () => {
  let gw: TestGateway;
  let key: string;
  let fileId: string;

  beforeAll(async () => {
    gw = await startGateway();
    key = (await gw.tenant()).key;
    fileId = (await uploadMultipart(gw.url, key, 'x\n', 'kept.jsonl')).body.data!.uploadFile.id;
  });
  afterAll(() => gw?.close());

  const listFiles = async () => (await gql(gw.url, key, '{ files { edges { node { id } } } }')).body.data!.files.edges;

  it('answers queries and mutations with UNAUTHENTICATED (401) and no data', async () => {
    for (const token of [null, 'bg-not-a-real-key']) {
      for (const query of ['{ models { id } }', '{ __typename }', `mutation { deleteFile(id: "${fileId}") }`]) {
        const res = await gql(gw.url, token, query);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.body.data).toBeUndefined();
        expect(res.body.errors).toEqual([{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }]);
      }
    }
    const get = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ files { edges { cursor } } }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(get.status).toBe(401);
    expect((await get.json()).data).toBeUndefined();
    expect((await listFiles()).map((e: { node: { id: string } }) => e.node.id)).toEqual([fileId]);
  });

  it('stores no upload', async () => {
    const res = await uploadMultipart(gw.url, null, 'sneaky\n', 'sneaky.jsonl');
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await listFiles()).toHaveLength(1);
  });

  it('refuses subscriptions over graphql-ws (closed at connection_init, 4401) and SSE', async () => {
    const query = 'subscription { batchUpdated(id: "batch_x") { id } }';
    for (const params of [null, 'bg-not-a-real-key']) {
      const client = wsClient(gw.url, params);
      try {
        const { results, done } = collect(client, query, {});
        const closed = (await done.then(
          () => null,
          (error: unknown) => error,
        )) as { code: number; reason: string } | null;
        expect(closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^Unauthorized: /) });
        expect(results).toEqual([]);
      } finally {
        await client.dispose();
      }
    }
    const viaSse = await sse(gw.url, null, query);
    await viaSse.done;
    expect(viaSse.status).toBe(401);
    const payloads = viaSse.events.filter((e) => e.event !== 'complete').map((e) => e.data);
    expect(payloads).toEqual([{ errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })] }]);
  });

  it('accepts the key from connectionParams over graphql-ws', async () => {
    const client = wsClient(gw.url, key);
    try {
      const { results, done } = collect(client, '{ models { id } }', {});
      await done;
      expect(results).toEqual([{ data: { models: [{ id: 'mock-chat' }, { id: 'mock-embedding' }] } }]);
    } finally {
      await client.dispose();
    }
  });
});

describe('rate limits', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ config: { limits: { apiRequestsPerMinutePerKey: 3 } } });
  });
  afterAll(() => gw?.close());

  it('answers RATE_LIMITED (429, Retry-After) once a key spent its budget, over HTTP and graphql-ws', async () => {
    const { key } = await gw.tenant();
    for (let i = 0; i < 3; i++) expect((await gql(gw.url, key, '{ models { id } }')).status).toBe(200);
    const limited = await gql(gw.url, key, '{ models { id } }');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.data).toBeUndefined();
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterMs: expect.any(Number),
    });

    const client = wsClient(gw.url, key);
    try {
      const { results, done } = collect(client, 'subscription { batchUpdated(id: "batch_x") { id } }', {});
      await done;
      expect(results).toEqual([
        { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })] },
      ]);
    } finally {
      await client.dispose();
    }

    const other = (await gw.tenant()).key;
    expect((await gql(gw.url, other, '{ models { id } }')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await gql(gw.url, TEST_ADMIN_KEY, '{ models { id } }')).status).toBe(200);
  });
});
