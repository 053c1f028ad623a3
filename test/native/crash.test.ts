// A worker killed with SIGKILL while its batch's lines are in a provider batch: another worker
// takes the part over when the lease lapses and finishes it, without ever submitting a second
// provider batch (the first is found by its `batchgate_batch_id` tag or by its stored id).
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilTerminal } from '../support/batches.js';
import { onPostgres } from '../support/database.js';
import { type FakeOpenAIBatches, startFakeOpenAIBatches } from '../support/fake-openai-batches.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { startWorkerDeployment, type WorkerDeployment } from '../support/worker-deployment.js';

describe.skipIf(!onPostgres())('a native batch across a worker crash', { timeout: 120_000 }, () => {
  let fake: FakeOpenAIBatches;
  let deployment: WorkerDeployment;
  let client: OpenAI;
  const config = () => ({
    providers: {
      batchapi: { type: 'openai', baseUrl: fake.url, apiKey: 'sk-test', nativeBatch: true, nativePollMs: 100 },
    },
    models: { 'gpt-native': { provider: 'batchapi', inputPricePerMillion: 2, outputPricePerMillion: 8 } },
  });
  const worker = () => deployment.worker(config());

  beforeAll(async () => {
    fake = await startFakeOpenAIBatches();
    deployment = await startWorkerDeployment(config());
    client = deployment.client;
  });
  afterAll(async () => {
    await deployment?.close();
    await fake?.close();
  });

  it('resumes the provider batch after SIGKILL with no second submission, every line once', async () => {
    // Slow enough at the provider that the kill lands while it runs.
    fake.scenario = { paddingBytes: 10 };
    const lines = Array.from({ length: 20 }, (_, i) => chatLine(`k${i}`, `line ${i}`, {}, 'gpt-native'));
    const first = await worker();
    const created = await submit(client, lines);
    await waitFor(() => [...fake.batches.values()].some((b) => b.metadata?.batchgate_batch_id === created.id), {
      intervalMs: 5,
    });
    await first.kill('SIGKILL');
    await worker();

    const done = await untilTerminal(client, created.id, 60_000);
    expect(done.status).toBe('completed');
    expect([...fake.batches.values()].filter((b) => b.metadata?.batchgate_batch_id === created.id)).toHaveLength(1);
    const output = await readJsonl<{ custom_id: string }>(client, done.output_file_id);
    expect(output.map((l) => l.custom_id)).toEqual(lines.map((l) => l.custom_id));
    expect(done.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
  });
});
