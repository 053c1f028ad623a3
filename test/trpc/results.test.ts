// batches.results (per-line results in input order, cursor = line index) and batches.list's
// status filter, through the stock @trpc/client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { fakeChatConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { type Client, follow, trpcClient } from './client.js';

let gw: TestGateway;
let upstream: FakeUpstream;
let client: Client;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gw = await startGateway({
    config: fakeChatConfig(upstream, {
      providers: { slow: { type: 'mock', maxConcurrency: 1, latencyMs: 400 } },
      models: { 'slow-chat': { provider: 'slow' } },
    }),
  });
  client = trpcClient(gw.url, { key: (await gw.tenant()).key });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** Five lines on the fake upstream; line 2 is refused upstream with a 400. */
const requests = Array.from({ length: 5 }, (_, i) =>
  chatLine(`line-${i}`, `hello ${i}`, i === 2 ? { fault: '400' } : {}, 'fake-chat'),
);

async function runToEnd(c: Client, id: string) {
  const followed = follow(c, { id });
  await followed.done;
  return followed.events.at(-1)!.data;
}

describe('batches.results over tRPC', () => {
  it('pages per-line results in input order with a line-index cursor', async () => {
    const batch = await client.batches.create.mutate({ requests, endpoint: '/v1/chat/completions', jobName: 'eval' });
    expect(batch.jobName).toBe('eval');
    expect((await runToEnd(client, batch.id)).status).toBe('completed');

    const first = await client.batches.results.query({ id: batch.id, limit: 3 });
    expect(first.items.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(first.nextCursor).toBe(2);
    const second = await client.batches.results.query({ id: batch.id, limit: 3, cursor: first.nextCursor });
    expect(second.items.map((r) => r.customId)).toEqual(['line-3', 'line-4']);
    expect(second.nextCursor).toBeNull();

    const [ok, , refused] = first.items;
    expect(ok).toMatchObject({
      customId: 'line-0',
      model: 'fake-chat',
      provider: 'fake',
      statusCode: 200,
      error: null,
    });
    expect(ok!.response).toMatchObject({ object: 'chat.completion' });
    expect(refused).toMatchObject({
      customId: 'line-2',
      statusCode: 400,
      error: { message: 'fake upstream: bad request', type: 'invalid_request_error' },
    });

    const all = await client.batches.results.query({ id: batch.id });
    expect(all.items).toEqual([...first.items, ...second.items]);
  });

  it("answers NOT_FOUND for another project's batch and BAD_REQUEST for a limit out of range", async () => {
    const batch = await client.batches.create.mutate({ requests: requests.slice(0, 1) });
    const other = trpcClient(gw.url, { key: (await gw.tenant()).key });
    await expect(other.batches.results.query({ id: batch.id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    await expect(client.batches.results.query({ id: batch.id, limit: 1001 })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', param: 'limit' },
    });
  });
});

describe('batches.list over tRPC', () => {
  it('filters by status', async () => {
    const own = trpcClient(gw.url, { key: (await gw.tenant()).key });
    const done = await own.batches.create.mutate({ requests: requests.slice(0, 1) });
    await runToEnd(own, done.id);
    const slow = await own.batches.create.mutate({ requests: [chatLine('s', 'wait', {}, 'slow-chat')] });
    await own.batches.cancel.mutate({ id: slow.id });
    await runToEnd(own, slow.id);

    const cancelled = await own.batches.list.query({ status: 'cancelled' });
    expect(cancelled.items.map((b) => b.id)).toEqual([slow.id]);
    const completed = await own.batches.list.query({ status: 'completed' });
    expect(completed.items.map((b) => b.id)).toEqual([done.id]);
    expect((await own.batches.list.query({ status: 'expired' })).items).toEqual([]);
    await expect(own.batches.list.query({ status: 'done' as never })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', param: 'status' },
    });
  });
});
