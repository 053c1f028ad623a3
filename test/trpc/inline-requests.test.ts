// batches.create with inline requests larger than Fastify's default 1 MiB body limit: tRPC takes
// the same body sizes as REST's POST /v1/batches (up to limits.maxFileBytes).
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

describe('batches.create with inline requests', () => {
  it('accepts a 1.5 MB payload and runs every request', async () => {
    const requests = Array.from({ length: 1500 }, (_, i) => chatLine(`inline-${i}`, `${i} ${'x'.repeat(900)}`));
    expect(JSON.stringify(requests).length).toBeGreaterThan(1.4 * 1024 * 1024);
    const batch = await trpc.batches.create.mutate({ requests, endpoint: '/v1/chat/completions' });
    const done = await waitFor(async () => {
      const b = await trpc.batches.get.query({ id: batch.id });
      return b.status === 'completed' ? b : undefined;
    });
    expect(done.requestCounts).toEqual({ total: 1500, completed: 1500, failed: 0 });
  });
});
