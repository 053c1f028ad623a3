// batches.retry through the stock @trpc/client: a batch whose line failed with a 400 upstream is
// retried into a new batch holding that line (metadata retry_of); CONFLICT while running or when
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
import { type Client, trpcClient } from './client.js';

let gw: FakeGateway;
let openai: OpenAI;
let client: Client;

beforeAll(async () => {
  gw = await startFakeGateway();
  const { key } = await gw.tenant();
  openai = gw.openai(key);
  client = trpcClient(gw.url, { key });
});
afterAll(() => gw?.close());

describe('batches.retry', () => {
  it('answers a new batch holding the lines that failed upstream, with retry_of', async () => {
    const source = await finishedBatch(openai, toJsonl([line('t-bad', '400'), line('t-ok')]), { face: 'trpc' });
    expect(source.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const retried = await client.batches.retry.mutate({ id: source.id });
    expect(retried).toMatchObject({
      status: 'validating',
      endpoint: '/v1/chat/completions',
      metadata: { face: 'trpc', retry_of: source.id },
    });
    expect(await (await openai.files.content(retried.inputFileId)).text()).toBe(toJsonl([line('t-bad', '400')]));
    expect((await untilTerminal(openai, retried.id)).request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
  });

  it("is CONFLICT while the batch runs or when no line failed, NOT_FOUND for another project's batch", async () => {
    const running = await createBatchFrom(openai, toJsonl([line('t-hang', 'hang')]));
    await expect(client.batches.retry.mutate({ id: running.id })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
    });
    await openai.batches.cancel(running.id);

    const clean = await finishedBatch(openai, toJsonl([line('t-fine')]));
    await expect(client.batches.retry.mutate({ id: clean.id })).rejects.toMatchObject({
      message: expect.stringContaining('no failed line'),
      data: { code: 'CONFLICT' },
    });

    const other = trpcClient(gw.url, { key: (await gw.tenant()).key });
    await expect(other.batches.retry.mutate({ id: clean.id })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });
});
