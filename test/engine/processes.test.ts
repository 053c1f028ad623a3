// Several real processes on one PostgreSQL: two workers share a batch; a worker killed with
// SIGKILL mid-batch is replaced and the batch completes with every line exactly once; a worker
// stopped with SIGTERM drains and hands its work over without redoing anything upstream.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilStatus } from '../support/batches.js';
import { onPostgres } from '../support/database.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { startWorkerDeployment, type WorkerDeployment } from '../support/worker-deployment.js';

const CONCURRENCY = 8;

describe.skipIf(!onPostgres())('worker processes on one PostgreSQL', { timeout: 120_000 }, () => {
  let upstream: FakeUpstream;
  let deployment: WorkerDeployment;
  let client: OpenAI;
  const worker = (apiKey: string) =>
    deployment.worker({
      providers: {
        fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey, maxConcurrency: CONCURRENCY, maxRetries: 2 },
      },
      models: { 'fake-chat': { provider: 'fake', inputPricePerMillion: 1, outputPricePerMillion: 2 } },
    });

  beforeAll(async () => {
    upstream = await startFakeUpstream({ latencyMs: 40 });
    deployment = await startWorkerDeployment({
      providers: { fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: CONCURRENCY } },
      models: { 'fake-chat': { provider: 'fake', inputPricePerMillion: 1, outputPricePerMillion: 2 } },
    });
    client = deployment.client;
  });

  afterAll(async () => {
    await deployment?.close();
    await upstream?.close();
  });

  async function createBatch(prefix: string, n: number) {
    const lines = Array.from({ length: n }, (_, i) =>
      chatLine(`${prefix}-${i}`, `q ${i}`, { tag: `${prefix}-${i}` }, 'fake-chat'),
    );
    const batch = await submit(client, lines);
    return { batch, ids: lines.map((l) => l.custom_id) };
  }

  const progress = async (id: string) => {
    const b = await client.batches.retrieve(id);
    return { batch: b, done: b.request_counts!.completed + b.request_counts!.failed };
  };

  const outputIds = async (fileId: string) => (await readJsonl(client, fileId)).map((l) => l.custom_id);

  const attemptsOf = (prefix: string) =>
    [...upstream.attempts.entries()].filter(([tag]) => tag.startsWith(`${prefix}-`));

  it('two workers finish one batch together, every line exactly once', async () => {
    const [a, b] = await Promise.all([worker('sk-worker-a'), worker('sk-worker-b')]);
    const { batch, ids } = await createBatch('pair', 400);
    const final = await untilStatus(client, batch.id, ['completed'], 60_000);
    expect(final.request_counts).toEqual({ total: 400, completed: 400, failed: 0 });
    expect((await outputIds(final.output_file_id!)).sort()).toEqual([...ids].sort());
    expect(attemptsOf('pair').every(([, n]) => n === 1)).toBe(true);
    expect(attemptsOf('pair')).toHaveLength(400);
    const byWorker = (key: string) =>
      upstream.log.filter((r) => r.tag.startsWith('pair-') && r.authorization === `Bearer ${key}`).length;
    expect(byWorker('sk-worker-a')).toBeGreaterThan(40);
    expect(byWorker('sk-worker-b')).toBeGreaterThan(40);
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
  });

  it('a worker killed with SIGKILL mid-batch is replaced; every line appears exactly once', async () => {
    const first = await worker('sk-crash-1');
    const { batch, ids } = await createBatch('crash', 300);
    await waitFor(async () => ((await progress(batch.id)).done >= 60 ? true : undefined), {
      what: 'progress before the kill',
    });
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    const sentBeforeKill = attemptsOf('crash').length;
    expect(sentBeforeKill).toBeLessThan(300);

    const second = await worker('sk-crash-2');
    const final = await untilStatus(client, batch.id, ['completed'], 45_000);
    expect(final.request_counts).toEqual({ total: 300, completed: 300, failed: 0 });
    const out = await outputIds(final.output_file_id!);
    expect(out).toHaveLength(300);
    expect(new Set(out)).toEqual(new Set(ids));
    // Only requests in flight (or answered but not yet recorded) at the kill were sent again.
    const redone = attemptsOf('crash').filter(([, n]) => n > 1).length;
    expect(redone).toBeLessThanOrEqual(2 * CONCURRENCY);
    expect(attemptsOf('crash').every(([, n]) => n <= 2)).toBe(true);
    const usage = (final as unknown as { usage: { input_tokens: number } }).usage;
    const tokens = (await readJsonl(client, final.output_file_id)).reduce(
      (n, l) => n + l.response!.body.usage.prompt_tokens,
      0,
    );
    expect(usage.input_tokens).toBe(tokens);
    await second.kill('SIGTERM');
  });

  it('SIGTERM drains in-flight requests and hands the rest over at once, redoing nothing', async () => {
    const first = await worker('sk-drain-1');
    const { batch, ids } = await createBatch('drain', 300);
    await waitFor(async () => ((await progress(batch.id)).done >= 40 ? true : undefined), {
      what: 'progress before SIGTERM',
    });
    expect(await first.kill('SIGTERM')).toBe(0);
    const second = await worker('sk-drain-2');
    const startedAt = Date.now();
    const final = await untilStatus(client, batch.id, ['completed'], 45_000);
    // Released rows are claimable at once: no waiting for a lease to lapse.
    expect(Date.now() - startedAt).toBeLessThan(9_000);
    expect((await outputIds(final.output_file_id!)).sort()).toEqual([...ids].sort());
    expect(attemptsOf('drain')).toHaveLength(300);
    expect(attemptsOf('drain').every(([, n]) => n === 1)).toBe(true);
    await second.kill('SIGTERM');
  });
});
