// batches.create with inline requests: tRPC bodies are capped at 1 MB like every JSON body (only
// REST's POST /v1/batches streams larger inline requests into storage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { type Client, trpcClient } from './client.js';

let gw: TestGateway;
let trpc: Client;

beforeAll(async () => {
  gw = await startGateway();
  trpc = trpcClient(gw.url, { key: (await gw.tenant()).key });
});
afterAll(() => gw?.close());

const requestsOf = (count: number) =>
  Array.from({ length: count }, (_, i) => chatLine(`inline-${i}`, `${i} ${'x'.repeat(900)}`));

describe('batches.create with inline requests', () => {
  it('runs every request of a body under 1 MB', async () => {
    const requests = requestsOf(800);
    expect(JSON.stringify(requests).length).toBeGreaterThan(0.7 * 1024 * 1024);
    const batch = await trpc.batches.create.mutate({ requests, endpoint: '/v1/chat/completions' });
    const done = await waitFor(async () => {
      const b = await trpc.batches.get.query({ id: batch.id });
      return b.status === 'completed' ? b : undefined;
    });
    expect(done.requestCounts).toEqual({ total: 800, completed: 800, failed: 0 });
  });

  it('refuses a body over 1 MB with PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const before = (await trpc.files.list.query()).items.length;
    const error = await trpc.batches.create
      .mutate({ requests: requestsOf(1500), endpoint: '/v1/chat/completions' })
      .then(
        () => null,
        (e: { data?: { code?: string; httpStatus?: number } }) => e,
      );
    expect(error?.data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    expect((await trpc.files.list.query()).items.length).toBe(before);
  });
});
