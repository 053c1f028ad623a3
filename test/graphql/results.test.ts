// Per-line results over GraphQL (`Batch.results`, input order, paged by line index) and the create
// variants REST already had: inline `requests` and `jobName`, exactly one of a file or requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { fakeChatConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { gql, type Json, uploadMultipart } from './helpers.js';

let gw: TestGateway;
let upstream: FakeUpstream;
let key: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gw = await startGateway({ config: fakeChatConfig(upstream) });
  key = (await gw.tenant()).key;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const CREATE = `mutation($input: CreateBatchInput!) {
  createBatch(input: $input) { id status endpoint jobName inputFile { filename purpose } }
}`;

const RESULTS = `query($id: ID!, $first: Int, $after: String) {
  batch(id: $id) {
    results(first: $first, after: $after) {
      edges { cursor node { index customId url model provider statusCode response error { message type } } }
      nodes { customId }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/** Six lines on the fake upstream; lines 1 and 4 are refused upstream with a 400. */
const requests = Array.from({ length: 6 }, (_, i) =>
  chatLine(`line-${i}`, `hello ${i}`, i % 3 === 1 ? { fault: '400' } : {}, 'fake-chat'),
);

async function finished(tenantKey: string, id: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await gql(gw.url, tenantKey, 'query($id: ID!) { batch(id: $id) { status } }', { id });
      return res.body.data?.batch?.status === 'COMPLETED';
    },
    { what: `batch ${id} completed` },
  );
}

describe('batch results over GraphQL', () => {
  it('creates a batch from inline requests with a job name and pages its results in input order', async () => {
    const created = await gql(gw.url, key, CREATE, {
      input: { requests, endpoint: '/v1/chat/completions', jobName: 'nightly-eval' },
    });
    expect(created.body.errors).toBeUndefined();
    const batch = created.body.data!.createBatch;
    expect(batch).toMatchObject({
      endpoint: '/v1/chat/completions',
      jobName: 'nightly-eval',
      inputFile: { filename: 'inline_requests.jsonl', purpose: 'batch' },
    });
    await finished(key, batch.id);

    const nodes: Json[] = [];
    const pageSizes: number[] = [];
    let after: string | null = null;
    do {
      const res = await gql(gw.url, key, RESULTS, { id: batch.id, first: 4, after });
      expect(res.body.errors).toBeUndefined();
      const page: Json = res.body.data!.batch.results;
      pageSizes.push(page.edges.length);
      const edges: { cursor: string; node: Json }[] = page.edges;
      expect(page.nodes.map((n: Json) => n.customId)).toEqual(edges.map((e) => e.node.customId));
      expect(edges.map((e) => e.cursor)).toEqual(edges.map((e) => String(e.node.index)));
      nodes.push(...edges.map((e) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);

    expect(pageSizes).toEqual([4, 2]);
    expect(nodes.map((n) => n.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(nodes.map((n) => n.customId)).toEqual(requests.map((r) => r.custom_id));
    expect(nodes[0]).toMatchObject({
      url: '/v1/chat/completions',
      model: 'fake-chat',
      provider: 'fake',
      statusCode: 200,
      error: null,
      response: { object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] },
    });
    expect(nodes[1]).toMatchObject({
      statusCode: 400,
      error: { message: 'fake upstream: bad request', type: 'invalid_request_error' },
    });
    expect(nodes.filter((n) => n.error !== null).map((n) => n.customId)).toEqual(['line-1', 'line-4']);
  });

  it('still takes an uploaded input file, and refuses both or neither of a file and requests', async () => {
    const upload = await uploadMultipart(gw.url, key, `${JSON.stringify(requests[0])}\n`, 'one.jsonl');
    const fileId = upload.body.data!.uploadFile.id;
    const fromFile = await gql(gw.url, key, CREATE, {
      input: { inputFileId: fileId, endpoint: '/v1/chat/completions' },
    });
    expect(fromFile.body.errors).toBeUndefined();
    await finished(key, fromFile.body.data!.createBatch.id);

    const both = await gql(gw.url, key, CREATE, {
      input: { inputFileId: fileId, requests, endpoint: '/v1/chat/completions' },
    });
    const neither = await gql(gw.url, key, CREATE, { input: { endpoint: '/v1/chat/completions' } });
    for (const refused of [both, neither]) {
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', param: 'inputFileId' });
    }
  });

  it("never shows another project's results", async () => {
    const created = await gql(gw.url, key, CREATE, {
      input: { requests: requests.slice(0, 1), endpoint: '/v1/chat/completions' },
    });
    const id = created.body.data!.createBatch.id;
    await finished(key, id);
    const other = (await gw.tenant()).key;
    const res = await gql(gw.url, other, RESULTS, { id });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.batch).toBeNull();
  });
});
