// The retryBatch mutation: a batch whose line failed with a 400 upstream is retried into a new
// batch holding that line (metadata retry_of, input file linked); CONFLICT while running or when
// nothing failed; NOT_FOUND for another project's batch.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilTerminal } from '../support/batches.js';
import {
  createBatchFrom,
  type FakeGateway,
  finishedBatch,
  faultLine as line,
  startFakeGateway,
} from '../support/fake-gateway.js';
import { toJsonl } from '../support/jsonl.js';
import { BATCH_FIELDS, gql } from './helpers.js';

let gw: FakeGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  gw = await startFakeGateway();
  key = (await gw.tenant()).key;
  client = gw.openai(key);
});
afterAll(() => gw?.close());

const RETRY = `mutation($id: ID!) { retryBatch(id: $id) { ${BATCH_FIELDS} } }`;

describe('retryBatch', () => {
  it('answers a new batch holding the lines that failed upstream, with retry_of', async () => {
    const source = await finishedBatch(client, toJsonl([line('g-ok'), line('g-bad', '400')]), { face: 'graphql' });
    expect(source.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const res = await gql(gw.url, key, RETRY, { id: source.id });
    expect(res.body.errors).toBeUndefined();
    const retried = res.body.data!.retryBatch;
    expect(retried).toMatchObject({
      status: 'VALIDATING',
      endpoint: '/v1/chat/completions',
      metadata: { face: 'graphql', retry_of: source.id },
      inputFile: { purpose: 'batch', filename: `retry_of_${source.id}.jsonl` },
    });
    expect(await (await client.files.content(retried.inputFile.id)).text()).toBe(toJsonl([line('g-bad', '400')]));
    expect((await untilTerminal(client, retried.id)).request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
  });

  it("is CONFLICT while the batch runs or when no line failed, NOT_FOUND for another project's batch", async () => {
    const running = await createBatchFrom(client, toJsonl([line('g-hang', 'hang')]));
    const busy = await gql(gw.url, key, RETRY, { id: running.id });
    expect(busy.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await client.batches.cancel(running.id);

    const clean = await finishedBatch(client, toJsonl([line('g-fine')]));
    const nothing = await gql(gw.url, key, RETRY, { id: clean.id });
    expect(nothing.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('no failed line'),
      extensions: { code: 'CONFLICT' },
    });

    const other = (await gw.tenant()).key;
    const foreign = await gql(gw.url, other, RETRY, { id: clean.id });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
