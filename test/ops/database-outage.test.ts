// A database that goes away mid-batch and comes back: a gateway process on a PostgreSQL cluster of
// the test's own, a slow fake upstream, the cluster stopped while the batch runs. Meanwhile /ready
// and every face (REST, GraphQL, tRPC) answer 503 within 2 s, never hang, while /health and
// /metrics still answer; once the cluster is started again /ready is 200 without restarting
// anything and the batch completes with every line exactly once in its output.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilTerminal } from '../support/batches.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { TEST_ADMIN_KEY, writeConfigFile } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { createPostgresCluster, type PostgresCluster, postgresBinDir } from '../support/postgres-cluster.js';
import { type ChildGateway, spawnGateway } from '../support/process.js';
import { waitFor } from '../support/wait.js';

const binDir = postgresBinDir();
const LINES = 150;
const title = binDir
  ? 'the database going away and coming back'
  : 'the database going away and coming back (skipped: no PostgreSQL server binaries (initdb, pg_ctl) installed)';

describe.skipIf(!binDir)(title, { timeout: 180_000 }, () => {
  let cluster: PostgresCluster;
  let upstream: FakeUpstream;
  let gateway: ChildGateway;
  let tenantKey: string;

  beforeAll(async () => {
    cluster = await createPostgresCluster(binDir!);
    await cluster.start();
    upstream = await startFakeUpstream({ latencyMs: 60 });
    const config = writeConfigFile({
      providers: { fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 4 } },
      models: { 'fake-chat': { provider: 'fake', inputPricePerMillion: 1, outputPricePerMillion: 2 } },
    });
    gateway = await spawnGateway({ DATABASE_URL: cluster.url, BATCHGATE_CONFIG: config.path });
    const res = await fetch(`${gateway.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'outage' }),
    });
    tenantKey = ((await res.json()) as { key: string }).key;
  });

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await upstream?.close();
    await cluster?.destroy();
  });

  /** A request that must be answered within 2 s; returns its status, headers and JSON body. */
  async function within2s(path: string, key: string | null, init: RequestInit = {}) {
    const started = performance.now();
    const res = await fetch(`${gateway.url}${path}`, {
      ...init,
      signal: AbortSignal.timeout(5000),
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers ?? {}) },
    });
    const body = (await res.json()) as Record<string, unknown>;
    const ms = performance.now() - started;
    expect(ms, `${path} answered in ${Math.round(ms)} ms`).toBeLessThan(2000);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
  }

  it('answers 503 on every face while the database is away, then recovers and completes the batch', async () => {
    expect((await within2s('/ready', null)).body).toEqual({ status: 'ready', database: 'ok' });

    const client = new OpenAI({ apiKey: tenantKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const lines = Array.from({ length: LINES }, (_, i) =>
      chatLine(`line-${i}`, `q ${i}`, { tag: `line-${i}` }, 'fake-chat'),
    );
    const batch = await submit(client, lines);
    await waitFor(
      async () => {
        const b = await client.batches.retrieve(batch.id);
        return b.request_counts!.completed >= 20 ? b : undefined;
      },
      { what: 'progress before the database stops' },
    );

    await cluster.stop();
    const sentAtStop = upstream.total();

    const ready = await within2s('/ready', null);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', database: 'down' });
    expect((await within2s('/health', null)).status).toBe(200);

    for (const key of [tenantKey, TEST_ADMIN_KEY]) {
      const rest = await within2s(`/v1/batches/${batch.id}`, key);
      expect(rest.status).toBe(503);
      expect(rest.body.error).toMatchObject({ code: 'database_unavailable', type: 'server_error' });
      expect(Number(rest.retryAfter)).toBeGreaterThan(0);

      const graphql = await within2s('/graphql', key, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query ($id: ID!) { batch(id: $id) { id status } }',
          variables: { id: batch.id },
        }),
      });
      expect(graphql.status).toBe(503);
      expect((graphql.body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
        'SERVICE_UNAVAILABLE',
      );
      expect(Number(graphql.retryAfter)).toBeGreaterThan(0);

      const trpc = await within2s(
        `/trpc/batches.get?input=${encodeURIComponent(JSON.stringify({ id: batch.id }))}`,
        key,
      );
      expect(trpc.status).toBe(503);
      expect((trpc.body.error as { data: { code: string } }).data.code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(trpc.retryAfter)).toBeGreaterThan(0);
    }

    // Metrics stay readable (the admin key needs no database); the batches gauge is left out.
    const metrics = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('batchgate_upstream_requests_total');
    expect(text).not.toMatch(/^batchgate_batches\{/m);

    // The worker went on with the lines it held; their outcomes wait in memory for the database.
    await waitFor(
      () => upstream.total() > sentAtStop && gateway.log.some((l) => l.includes('recording outcomes failed')),
      {
        what: 'the worker to finish held lines and fail to record them while the database is away',
      },
    );
    expect((await within2s('/ready', null)).status).toBe(503);

    await cluster.start();
    await waitFor(async () => (await fetch(`${gateway.url}/ready`)).status === 200, {
      timeoutMs: 30_000,
      what: '/ready to answer 200 again',
    });
    expect(await (await fetch(`${gateway.url}/ready`)).json()).toEqual({ status: 'ready', database: 'ok' });

    const done = await untilTerminal(client, batch.id, 60_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: LINES, completed: LINES, failed: 0 });
    const output = (await readJsonl<{ custom_id: string }>(client, done.output_file_id)).map((l) => l.custom_id);
    expect(output).toHaveLength(LINES);
    expect(new Set(output)).toEqual(new Set(lines.map((l) => l.custom_id)));
    // No line went upstream twice.
    expect([...upstream.attempts.values()].every((n) => n === 1)).toBe(true);
    expect((await within2s('/ready', null)).status).toBe(200);
  });
});
