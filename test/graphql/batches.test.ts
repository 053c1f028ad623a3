// Batches over GraphQL: upload + createBatch + a graphql-ws subscription that follows a batch to
// COMPLETED (and the same over SSE), linked files, Relay pages, status filter, input errors,
// cancel, and batched loading of linked files.
import { graphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/caller.js';
import { schema } from '../../src/transports/graphql/schema.js';
import { MOCK_CONFIG, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine, toJsonl } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { type GatedUpstream, startGatedUpstream } from './gated-upstream.js';
import {
  BATCH_FIELDS,
  BATCH_UPDATED,
  type Connection,
  CREATE_BATCH,
  collect,
  gql,
  type Json,
  sse,
  uploadMultipart,
  wsClient,
} from './helpers.js';

let gw: TestGateway;
let upstream: GatedUpstream;
let key: string;

// `mock-chat` answers on its own (slowly, two at a time); `gated-chat` only when the test releases
// answers, so a batch can be held mid-way.
beforeAll(async () => {
  upstream = await startGatedUpstream();
  gw = await startGateway({
    config: {
      providers: {
        mock: { type: 'mock', maxConcurrency: 2, latencyMs: 150 },
        gated: { type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-gated', maxConcurrency: 2 },
      },
      models: {
        ...MOCK_CONFIG.models,
        'gated-chat': { provider: 'gated', inputPricePerMillion: 1, outputPricePerMillion: 2 },
      },
    },
  });
  key = (await gw.tenant()).key;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const lines = (n: number, model = 'mock-chat') =>
  toJsonl(Array.from({ length: n }, (_, i) => chatLine(`req-${i}`, `hello ${i}`, {}, model)));

async function uploadInput(tenantKey: string, content = lines(10)): Promise<string> {
  const res = await uploadMultipart(gw.url, tenantKey, content, 'input.jsonl');
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.uploadFile.id;
}

async function create(tenantKey: string, input: Record<string, unknown>) {
  return gql(gw.url, tenantKey, CREATE_BATCH, { input: { endpoint: '/v1/chat/completions', ...input } });
}

const batchStatus = async (tenantKey: string, id: string) =>
  (await gql(gw.url, tenantKey, 'query($id: ID!) { batch(id: $id) { status } }', { id })).body.data?.batch?.status;

describe('batches over GraphQL', () => {
  it('uploads a file, creates a batch and follows it over graphql-ws until COMPLETED', async () => {
    const fileId = await uploadInput(key, lines(10, 'gated-chat'));
    const created = await create(key, { inputFileId: fileId, metadata: { team: 'ml' } });
    expect(created.body.errors).toBeUndefined();
    const batch = created.body.data!.createBatch;
    expect(batch).toMatchObject({
      status: expect.stringMatching(/^(VALIDATING|IN_PROGRESS)$/),
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      metadata: { team: 'ml' },
      inputFile: { id: fileId, filename: 'input.jsonl', purpose: 'batch' },
      outputFile: null,
    });
    expect(Date.parse(batch.expiresAt) - Date.parse(batch.createdAt)).toBe(24 * 3600 * 1000);

    const client = wsClient(gw.url, key);
    try {
      const { results, done } = collect(client, BATCH_UPDATED, { id: batch.id });
      const states = () => results.map((r) => r.data?.batchUpdated);
      await waitFor(() => states().length > 0 && upstream.waiting() > 0, { what: 'a first state and held requests' });
      upstream.release(4);
      await waitFor(() => states().some((s) => s.requestCounts.completed === 4), { what: 'progress to 4 of 10' });
      upstream.release(6);
      await done;

      expect(results.every((r) => r.errors === undefined)).toBe(true);
      expect(states()[0].status).not.toBe('COMPLETED');
      expect(states()).toContainEqual(
        expect.objectContaining({ status: 'IN_PROGRESS', requestCounts: { total: 10, completed: 4, failed: 0 } }),
      );
      const completed = states().map((s) => s.requestCounts.completed);
      expect(completed).toEqual([...completed].sort((a, b) => a - b));
      const last = states().at(-1)!;
      expect(last).toMatchObject({
        id: batch.id,
        status: 'COMPLETED',
        requestCounts: { total: 10, completed: 10, failed: 0 },
        outputFile: { purpose: 'batch_output', filename: expect.any(String) },
        errorFile: null,
        errors: null,
        usage: { inputTokens: 100, outputTokens: 50, totalTokens: 150 },
      });
      expect(last.outputFile.bytes).toBeGreaterThan(0);
      expect(last.usage.totalCost).toBeCloseTo((100 * 1 + 50 * 2) / 1e6, 12);
      for (const field of ['inProgressAt', 'finalizingAt', 'completedAt'])
        expect(Date.parse(last[field])).not.toBeNaN();
      expect(states().filter((s) => s.status === 'COMPLETED')).toHaveLength(1);
    } finally {
      await client.dispose();
    }
  });

  it('follows a batch over SSE: current state at once, changes, then the stream ends', async () => {
    const fileId = await uploadInput(key, lines(4, 'gated-chat'));
    const batch = (await create(key, { inputFileId: fileId })).body.data!.createBatch;
    const stream = await sse(gw.url, key, BATCH_UPDATED, { id: batch.id });
    expect(stream.status).toBe(200);
    await waitFor(() => stream.events.length > 0 && upstream.waiting() > 0, {
      what: 'a first state and held requests',
    });
    upstream.release(4);
    await stream.done;
    const states = stream.events.filter((e) => e.data?.data).map((e) => e.data.data.batchUpdated);
    expect(states[0].status).not.toBe('COMPLETED');
    expect(states.at(-1)).toMatchObject({ status: 'COMPLETED', requestCounts: { total: 4, completed: 4, failed: 0 } });
    expect(stream.events.some((e) => e.data?.errors)).toBe(false);
    expect(stream.events.at(-1)!.event).toBe('complete');
  });

  it('ends a subscription to an already finished batch after its one current state', async () => {
    const fileId = await uploadInput(key, lines(1));
    const batch = (await create(key, { inputFileId: fileId })).body.data!.createBatch;
    await waitFor(async () => (await batchStatus(key, batch.id)) === 'COMPLETED', { what: 'batch completed' });
    const client = wsClient(gw.url, key);
    try {
      const { results, done } = collect(client, BATCH_UPDATED, { id: batch.id });
      await done;
      expect(results.map((r) => r.data?.batchUpdated.status)).toEqual(['COMPLETED']);
    } finally {
      await client.dispose();
    }
  });

  it('pages through batches newest first without skipping or repeating', async () => {
    const tenant = (await gw.tenant()).key;
    const fileId = await uploadInput(tenant, lines(1));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(tenant, { inputFileId: fileId })).body.data!.createBatch.id);

    const page = (after: string | null) =>
      gql(
        gw.url,
        tenant,
        'query($after: String) { batches(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
    const seen: string[] = [];
    const pages: number[] = [];
    let after: string | null = null;
    do {
      const { edges, pageInfo }: Connection = (await page(after)).body.data!.batches;
      pages.push(edges.length);
      seen.push(...edges.map((e) => e.node.id));
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].reverse());

    const defaults = await gql(gw.url, tenant, '{ batches { edges { node { id } } pageInfo { hasNextPage } } }');
    expect(defaults.body.data!.batches.edges).toHaveLength(5);
    const tooMany = await gql(gw.url, tenant, '{ batches(first: 101) { edges { cursor } } }');
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters by status and reports validation errors of a failed batch', async () => {
    const tenant = (await gw.tenant()).key;
    const fileId = await uploadInput(tenant, `${JSON.stringify(chatLine('ok', 'hi'))}\nnot json\n`);
    const batch = (await create(tenant, { inputFileId: fileId })).body.data!.createBatch;
    await waitFor(async () => (await batchStatus(tenant, batch.id)) === 'FAILED', { what: 'batch failed' });

    const failed = await gql(gw.url, tenant, `query($id: ID!) { batch(id: $id) { ${BATCH_FIELDS} } }`, {
      id: batch.id,
    });
    expect(failed.body.data!.batch).toMatchObject({
      status: 'FAILED',
      outputFile: null,
      requestCounts: { completed: 0 },
    });
    expect(failed.body.data!.batch.errors).toContainEqual(
      expect.objectContaining({ line: 2, code: expect.any(String) }),
    );
    expect(Date.parse(failed.body.data!.batch.failedAt)).not.toBeNaN();

    const byStatus = async (status: string) =>
      (
        await gql(gw.url, tenant, 'query($s: BatchStatus) { batches(status: $s) { edges { node { id } } } }', {
          s: status,
        })
      ).body.data!.batches.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(await byStatus('FAILED')).toEqual([batch.id]);
    expect(await byStatus('COMPLETED')).toEqual([]);
  });

  it('answers a missing batch with null and bad input with BAD_USER_INPUT or NOT_FOUND', async () => {
    const missing = await gql(gw.url, key, '{ batch(id: "batch_does_not_exist") { id } }');
    expect(missing.body).toEqual({ data: { batch: null } });

    const fileId = await uploadInput(key, lines(1));
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [{ inputFileId: fileId, endpoint: '/v1/nope' }, 'BAD_USER_INPUT', 'endpoint'],
      [{ inputFileId: fileId, completionWindow: '48h' }, 'BAD_USER_INPUT', 'completionWindow'],
      [{ inputFileId: fileId, metadata: { tooLong: 'x'.repeat(513) } }, 'BAD_USER_INPUT', undefined],
      [{ inputFileId: 'file-does-not-exist' }, 'NOT_FOUND', undefined],
    ];
    for (const [input, code, param] of cases) {
      const res = await create(key, input);
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({ path: ['createBatch'], extensions: { code } });
      if (param) expect(res.body.errors?.[0]?.extensions?.param).toBe(param);
    }
    const unknownVariable = await gql(gw.url, key, CREATE_BATCH, { input: { inputFileId: fileId } });
    expect(unknownVariable.body.errors?.[0]?.message).toMatch(/endpoint/);
  });

  it('cancels a running batch and refuses to cancel a finished one with CONFLICT', async () => {
    const fileId = await uploadInput(key, lines(20));
    const batch = (await create(key, { inputFileId: fileId })).body.data!.createBatch;
    const cancel = 'mutation($id: ID!) { cancelBatch(id: $id) { id status cancellingAt } }';
    const cancelled = await gql(gw.url, key, cancel, { id: batch.id });
    expect(cancelled.body.data!.cancelBatch.status).toMatch(/^(CANCELLING|CANCELLED)$/);
    expect(Date.parse(cancelled.body.data!.cancelBatch.cancellingAt)).not.toBeNaN();
    await waitFor(async () => (await batchStatus(key, batch.id)) === 'CANCELLED', { what: 'batch cancelled' });

    const again = await gql(gw.url, key, cancel, { id: batch.id });
    expect(again.body.data).toBeNull();
    expect(again.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it("still resolves a batch's input file after the file was deleted", async () => {
    const fileId = await uploadInput(key, lines(1));
    const batch = (await create(key, { inputFileId: fileId })).body.data!.createBatch;
    const deleted = await gql(gw.url, key, 'mutation($id: ID!) { deleteFile(id: $id) }', { id: fileId });
    expect(deleted.body).toEqual({ data: { deleteFile: true } });
    const res = await gql(
      gw.url,
      key,
      'query($b: ID!, $f: ID!) { batch(id: $b) { inputFile { id filename } } file(id: $f) { id } }',
      {
        b: batch.id,
        f: fileId,
      },
    );
    expect(res.body).toEqual({ data: { batch: { inputFile: { id: fileId, filename: 'input.jsonl' } }, file: null } });
  });

  it('loads the linked files of a whole page of batches in one query (no N+1)', async () => {
    const tenant = await gw.tenant();
    const fileIds = [await uploadInput(tenant.key, lines(1)), await uploadInput(tenant.key, lines(2))];
    const batchIds: string[] = [];
    for (const inputFileId of [...fileIds, ...fileIds]) {
      batchIds.push((await create(tenant.key, { inputFileId })).body.data!.createBatch.id);
    }
    for (const id of batchIds) {
      await waitFor(async () => (await batchStatus(tenant.key, id)) === 'COMPLETED', { what: `batch ${id} completed` });
    }
    let selects = 0;
    const db = new Proxy(gw.deps.db, {
      get(target, prop, receiver) {
        if (prop === 'select') selects++;
        return Reflect.get(target, prop, receiver);
      },
    });
    const caller: Caller = { kind: 'key', keyId: tenant.id, projectId: tenant.project };
    const result = await graphql({
      schema,
      source: '{ batches { edges { node { id inputFile { id } outputFile { id purpose } errorFile { id } } } } }',
      contextValue: { deps: { ...gw.deps, db }, caller },
    });
    expect(result.errors).toBeUndefined();
    const nodes = (result.data as Json).batches.edges.map((e: Json) => e.node);
    expect(nodes).toHaveLength(4);
    expect(nodes.every((n: Json) => fileIds.includes(n.inputFile.id) && n.outputFile.purpose === 'batch_output')).toBe(
      true,
    );
    expect(selects).toBe(2); // the page of batches, then every linked file at once
  });

  it('lists the configured models', async () => {
    const res = await gql(
      gw.url,
      key,
      '{ models { id provider status inputPricePerMillion outputPricePerMillion contextLength } }',
    );
    expect(res.body.data!.models).toEqual([
      {
        id: 'gated-chat',
        provider: 'gated',
        status: 'active',
        inputPricePerMillion: 1,
        outputPricePerMillion: 2,
        contextLength: null,
      },
      {
        id: 'mock-chat',
        provider: 'mock',
        status: 'mock',
        inputPricePerMillion: 0.15,
        outputPricePerMillion: 0.6,
        contextLength: 128000,
      },
      {
        id: 'mock-embedding',
        provider: 'mock',
        status: 'mock',
        inputPricePerMillion: 0.02,
        outputPricePerMillion: 0,
        contextLength: null,
      },
    ]);
  });
});
