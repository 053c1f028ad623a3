// Tracing with OTEL_EXPORTER_OTLP_ENDPOINT set: a gateway process exports OTLP/HTTP spans to an
// in-test receiver — server spans named after their route, one GenAI client span per upstream
// call (`chat <model>`, gen_ai.* attributes, error.type on failures, the batch id, never
// gen_ai.system) with undici's HTTP span beneath it — and its log lines carry trace_id/span_id.
// Unset, the OpenTelemetry SDK is never loaded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/db/client.js';
import { readJsonl, submit, untilTerminal } from '../support/batches.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { TEST_ADMIN_KEY, writeConfigFile } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.js';
import { type ChildGateway, spawnGateway } from '../support/process.js';
import { waitFor } from '../support/wait.js';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

describe('OpenTelemetry tracing', { timeout: 120_000 }, () => {
  let receiver: OtlpReceiver;
  let upstream: FakeUpstream;
  let gateway: ChildGateway;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    upstream = await startFakeUpstream();
    const config = writeConfigFile({
      providers: { fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 2, maxRetries: 0 } },
      models: { 'fake-chat': { provider: 'fake', upstreamModel: 'fake-upstream-model' } },
    });
    gateway = await spawnGateway({
      BATCHGATE_CONFIG: config.path,
      BATCHGATE_DATA_DIR: config.dir,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });
  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    await upstream?.close();
    await receiver?.close();
  });

  it('exports server spans, one GenAI client span per upstream call, and puts trace ids in the logs', async () => {
    const client = new OpenAI({ apiKey: TEST_ADMIN_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const lines = [
      chatLine('ok-1', 'hello', { tag: 'ok-1' }, 'fake-chat'),
      chatLine('ok-2', 'world', { tag: 'ok-2' }, 'fake-chat'),
      chatLine('bad', 'bad', { tag: 'bad', fault: '400' }, 'fake-chat'),
      chatLine('reset', 'reset', { tag: 'reset', fault: 'reset' }, 'fake-chat'),
    ];
    const batch = await submit(client, lines);
    const done = await untilTerminal(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 4, completed: 2, failed: 2 });
    const answers = await readJsonl<{ response: { body: { usage: Record<string, number> } } }>(
      client,
      done.output_file_id!,
    );
    const usage = new Map(
      answers.map((l) => [l.response.body.usage.prompt_tokens, l.response.body.usage.completion_tokens]),
    );

    const upstreamSpans = await waitFor(
      () => {
        const found = receiver.spans.filter((s) => s.name === 'chat fake-upstream-model');
        return found.length === 4 ? found : undefined;
      },
      { what: 'four upstream spans' },
    );
    for (const span of upstreamSpans) {
      expect(span.kind).toBe(CLIENT);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'fake',
        'gen_ai.request.model': 'fake-upstream-model',
        'batchgate.batch.id': batch.id,
      });
    }
    const ok = upstreamSpans.filter((s) => s.attributes['error.type'] === undefined);
    expect(ok).toHaveLength(2);
    for (const span of ok) {
      expect(span.attributes['gen_ai.response.model']).toBe('fake-upstream-model');
      expect(usage.get(span.attributes['gen_ai.usage.input_tokens'] as number)).toBe(
        span.attributes['gen_ai.usage.output_tokens'],
      );
      expect(span.statusCode).not.toBe(ERROR);
    }
    const failed = upstreamSpans.filter((s) => s.attributes['error.type'] !== undefined);
    expect(failed.map((s) => s.statusCode)).toEqual([ERROR, ERROR]);
    // A 4xx answer's type is its status code; a connection reset's is the error's code.
    expect(failed.map((s) => s.attributes['error.type']).sort()).toEqual(['400', expect.stringMatching(/^[A-Z_]+$/)]);
    expect(receiver.spans.filter((s) => Object.keys(s.attributes).some((k) => k === 'gen_ai.system'))).toEqual([]);

    // undici's own HTTP client span sits under the GenAI span.
    const upstreamIds = new Set(upstreamSpans.map((s) => s.spanId));
    expect(receiver.spans.some((s) => s.parentSpanId && upstreamIds.has(s.parentSpanId) && s.kind === CLIENT)).toBe(
      true,
    );

    // Server spans carry the route pattern; their trace ids are on the request log lines.
    const created = await waitFor(
      () => receiver.spans.find((s) => s.kind === SERVER && s.name === 'POST /v1/batches'),
      {
        what: 'the server span of POST /v1/batches',
      },
    );
    expect(created.attributes['http.route']).toBe('/v1/batches');
    const requestLogs = gateway.log
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; path?: string; trace_id?: string; span_id?: string })
      .filter((l) => l.msg === 'request' && l.path === '/v1/batches');
    expect(requestLogs).toHaveLength(1);
    expect(requestLogs[0]).toMatchObject({
      trace_id: created.traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });

    // A browser's tRPC subscription sends its key in the query string: spans never carry it.
    const params = encodeURIComponent(JSON.stringify({ authorization: `Bearer ${TEST_ADMIN_KEY}` }));
    const input = encodeURIComponent(JSON.stringify({ id: batch.id }));
    const sse = await fetch(`${gateway.url}/trpc/batches.onUpdate?input=${input}&connectionParams=${params}`, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(3000),
    });
    await sse.body?.cancel();
    const subscribed = await waitFor(
      () =>
        receiver.spans.find(
          (s) => s.kind === SERVER && String(s.attributes['url.query'] ?? '').includes('connectionParams'),
        ),
      { what: 'the server span of the subscription' },
    );
    expect(JSON.stringify(subscribed.attributes)).not.toContain(TEST_ADMIN_KEY);
  });
});

/** The OpenTelemetry packages a process has loaded after starting tracing (or not) and loading the server. */
async function openTelemetryPackagesLoaded(env: Record<string, string>): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    const { loadConfig } = await import('./src/config.ts');
    const { startTracing } = await import('./src/observability/tracing.ts');
    const tracing = await startTracing(loadConfig());
    await import('./src/server.ts');
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@opentelemetry/'));
    console.log(JSON.stringify([...new Set(loaded.map((k) => k.split('@opentelemetry/')[1].split('/')[0]))]));
    await tracing?.shutdown();`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: packageRoot(), env: { PATH: process.env.PATH ?? '', ...env } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
}

describe('tracing off', () => {
  it('never loads the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is unset', { timeout: 60_000 }, async () => {
    const on = await openTelemetryPackagesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' });
    expect(on).toEqual(expect.arrayContaining(['sdk-node', 'instrumentation-http', 'instrumentation-undici']));
    // prom-client itself loads the (no-op) API package; nothing else.
    expect(await openTelemetryPackagesLoaded({})).toEqual(['api']);
  });
});
