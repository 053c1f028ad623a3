// A worker killed with SIGKILL while its batch's lines are in a provider batch: another worker
// takes the part over when the lease lapses and finishes it, without ever submitting a second
// provider batch (the first is found by its `batchgate_batch_id` tag or by its stored id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilTerminal } from '../support/batches.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.js';
import { type FakeOpenAIBatches, startFakeOpenAIBatches } from '../support/fake-openai-batches.js';
import { startGateway, type TestGateway, writeConfigFile } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { type ChildGateway, spawnGateway } from '../support/process.js';
import { waitFor } from '../support/wait.js';

describe.skipIf(!onPostgres())('a native batch across a worker crash', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let fake: FakeOpenAIBatches;
  let api: TestGateway;
  const children: ChildGateway[] = [];
  const config = () => ({
    providers: {
      batchapi: { type: 'openai', baseUrl: fake.url, apiKey: 'sk-test', nativeBatch: true, nativePollMs: 100 },
    },
    models: { 'gpt-native': { provider: 'batchapi', inputPricePerMillion: 2, outputPricePerMillion: 8 } },
  });
  const worker = async () => {
    const child = await spawnGateway({ DATABASE_URL: db.url!, BATCHGATE_CONFIG: writeConfigFile(config()).path }, [
      '--role',
      'worker',
    ]);
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await startFakeOpenAIBatches();
    api = await startGateway({ database: db, role: 'api', config: config() });
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    await api?.close();
    await fake?.close();
    await db?.drop();
  });

  it('resumes the provider batch after SIGKILL with no second submission, every line once', async () => {
    const client = api.openai((await api.tenant()).key);
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
