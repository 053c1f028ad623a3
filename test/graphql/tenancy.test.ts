// Tenancy on /graphql: another project's batches and files are invisible (null, never listed),
// cannot be cancelled, deleted, used or subscribed to (NOT_FOUND, no data). Keys of the same
// project share them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine, toJsonl } from '../support/jsonl.js';
import { BATCH_UPDATED, CREATE_BATCH, collect, gql, sse, uploadMultipart, wsClient } from './helpers.js';

let gw: TestGateway;
let owner: { key: string; project: string };
let intruder: string;
let fileId: string;
let batchId: string;

beforeAll(async () => {
  gw = await startGateway({ config: { providers: { mock: { type: 'mock', maxConcurrency: 1, latencyMs: 200 } } } });
  owner = await gw.tenant();
  intruder = (await gw.tenant()).key;
  const jsonl = toJsonl(Array.from({ length: 20 }, (_, i) => chatLine(`r${i}`, `hi ${i}`)));
  fileId = (await uploadMultipart(gw.url, owner.key, jsonl, 'mine.jsonl')).body.data!.uploadFile.id;
  const created = await gql(gw.url, owner.key, CREATE_BATCH, {
    input: { inputFileId: fileId, endpoint: '/v1/chat/completions' },
  });
  batchId = created.body.data!.createBatch.id;
});
afterAll(() => gw?.close());

const notFound = {
  data: null,
  errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
};

describe("another project's objects", () => {
  it('cannot be read or listed', async () => {
    const res = await gql(gw.url, intruder, 'query($b: ID!, $f: ID!) { batch(id: $b) { id } file(id: $f) { id } }', {
      b: batchId,
      f: fileId,
    });
    expect(res.body).toEqual({ data: { batch: null, file: null } });
    const lists = await gql(gw.url, intruder, '{ batches { edges { node { id } } } files { edges { node { id } } } }');
    expect(lists.body).toEqual({ data: { batches: { edges: [] }, files: { edges: [] } } });
  });

  it('cannot be cancelled, deleted or used as an input file', async () => {
    const cancel = await gql(gw.url, intruder, 'mutation($id: ID!) { cancelBatch(id: $id) { id status } }', {
      id: batchId,
    });
    expect(cancel.body).toEqual(notFound);
    const del = await gql(gw.url, intruder, 'mutation($id: ID!) { deleteFile(id: $id) }', { id: fileId });
    expect(del.body).toEqual(notFound);
    const reuse = await gql(gw.url, intruder, CREATE_BATCH, {
      input: { inputFileId: fileId, endpoint: '/v1/chat/completions' },
    });
    expect(reuse.body).toEqual(notFound);

    const mine = await gql(
      gw.url,
      owner.key,
      'query($b: ID!, $f: ID!) { batch(id: $b) { status } file(id: $f) { id } }',
      { b: batchId, f: fileId },
    );
    expect(mine.body.data!.batch.status).not.toMatch(/CANCEL/);
    expect(mine.body.data!.file).toEqual({ id: fileId });
  });

  it('cannot be subscribed to over graphql-ws or SSE: an error, no data', async () => {
    const client = wsClient(gw.url, intruder);
    try {
      const { results, done } = collect(client, BATCH_UPDATED, { id: batchId });
      await done;
      expect(results).toHaveLength(1);
      expect(results[0]!.data ?? null).toBeNull();
      expect(results[0]!.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) }),
      ]);
    } finally {
      await client.dispose();
    }
    const viaSse = await sse(gw.url, intruder, BATCH_UPDATED, { id: batchId });
    await viaSse.done;
    const payloads = viaSse.events.filter((e) => e.event !== 'complete').map((e) => e.data);
    expect(payloads).toEqual([
      { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })] },
    ]);
  });

  it('are shared by another key of the same project', async () => {
    const colleague = (await gw.tenant(owner.project)).key;
    const res = await gql(gw.url, colleague, 'query($b: ID!) { batch(id: $b) { id inputFile { id } } }', {
      b: batchId,
    });
    expect(res.body).toEqual({ data: { batch: { id: batchId, inputFile: { id: fileId } } } });
  });
});
