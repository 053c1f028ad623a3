// Stopping a gateway whose database has gone away: SIGTERM drains in-flight requests, gives its
// final writes a bounded time, and exits cleanly (code 0) well before the 30 s force-exit timer —
// every wait of the worker takes the stop signal, and nothing waits on a database that is not
// there. The database is a throwaway cluster of the test's own.

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submit } from '../support/batches.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { TEST_ADMIN_KEY, writeConfigFile } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { createPostgresCluster, type PostgresCluster, postgresBinDir } from '../support/postgres-cluster.js';
import { type ChildGateway, spawnGateway } from '../support/process.js';
import { waitFor } from '../support/wait.js';

const binDir = postgresBinDir();

describe.skipIf(!binDir)('stop with the database unreachable', { timeout: 120_000 }, () => {
  let cluster: PostgresCluster;
  let upstream: FakeUpstream;
  let gateway: ChildGateway;

  beforeAll(async () => {
    cluster = await createPostgresCluster(binDir!);
    await cluster.start();
    upstream = await startFakeUpstream({ latencyMs: 100 });
    const config = writeConfigFile({
      providers: { fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 4 } },
      models: { 'fake-chat': { provider: 'fake' } },
    });
    gateway = await spawnGateway({ DATABASE_URL: cluster.url, BATCHGATE_CONFIG: config.path });
  });
  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await upstream?.close();
    await cluster?.destroy();
  });

  it('exits cleanly and promptly on SIGTERM', async () => {
    const client = new OpenAI({ apiKey: TEST_ADMIN_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const batch = await submit(
      client,
      Array.from({ length: 200 }, (_, i) => chatLine(`s${i}`, `line ${i}`, {}, 'fake-chat')),
    );
    await waitFor(async () => ((await client.batches.retrieve(batch.id)).request_counts?.completed ?? 0) > 0);
    await cluster.stop();
    const started = Date.now();
    const code = await gateway.kill('SIGTERM');
    const took = Date.now() - started;
    expect(code, gateway.log.slice(-20).join('\n')).toBe(0);
    expect(took).toBeLessThan(20_000);
  });
});
