// GET /metrics: the admin key only, Prometheus text with process metrics, HTTP requests by route
// pattern, and exact upstream, line, token and cost counts after a known batch on the mock and a
// fake upstream (answers, a retried 500, a final 400, a connection reset); no label is an id.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilTerminal } from '../support/batches.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { MOCK_CONFIG, startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { metricValue, parseMetrics, type Sample } from '../support/prometheus.js';

let gw: TestGateway;
let upstream: FakeUpstream;
let client: OpenAI;
let tenantKey: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gw = await startGateway({
    config: {
      providers: {
        ...MOCK_CONFIG.providers,
        fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 4, maxRetries: 1 },
      },
      models: {
        ...MOCK_CONFIG.models,
        'fake-chat': {
          provider: 'fake',
          upstreamModel: 'fake-upstream',
          inputPricePerMillion: 1,
          outputPricePerMillion: 2,
        },
      },
    },
  });
  tenantKey = (await gw.tenant()).key;
  client = gw.openai(tenantKey);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const scrape = async (key = TEST_ADMIN_KEY) =>
  fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });

async function samples(): Promise<Sample[]> {
  const res = await scrape();
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseMetrics(await res.text());
}

describe('GET /metrics', () => {
  it('needs the admin key: none is 401, a tenant key 403, both in OpenAI error shape', async () => {
    const none = await fetch(`${gw.url}/metrics`);
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('invalid_api_key');
    const tenant = await scrape(tenantKey);
    expect(tenant.status).toBe(403);
    expect((await tenant.json()).error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
  });

  it('counts a known batch exactly, by provider and model, and never labels by batch or custom id', async () => {
    const lines = [
      ...[0, 1, 2].map((i) => chatLine(`m-${i}`, `mock ${i}`)),
      ...[0, 1, 2].map((i) => chatLine(`f-ok-${i}`, `fake ${i}`, { tag: `f-ok-${i}` }, 'fake-chat')),
      chatLine('f-flaky', 'flaky', { tag: 'f-flaky', fault: 'flaky:1' }, 'fake-chat'),
      chatLine('f-bad', 'bad', { tag: 'f-bad', fault: '400' }, 'fake-chat'),
      chatLine('f-reset', 'reset', { tag: 'f-reset', fault: 'reset' }, 'fake-chat'),
    ];
    const batch = await submit(client, lines);
    const done = await untilTerminal(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 9, completed: 7, failed: 2 });

    // Expected tokens and cost, from the answers themselves.
    const output = await readJsonl<{ custom_id: string; response: { body: { usage: Record<string, number> } } }>(
      client,
      done.output_file_id!,
    );
    const usageOf = (prefix: string) =>
      output
        .filter((l) => l.custom_id.startsWith(prefix))
        .reduce(
          (sum, l) => ({
            input: sum.input + l.response.body.usage.prompt_tokens!,
            output: sum.output + l.response.body.usage.completion_tokens!,
          }),
          { input: 0, output: 0 },
        );
    const mock = usageOf('m-');
    const fake = usageOf('f-');
    expect(mock.input).toBeGreaterThan(0);
    expect(fake.input).toBeGreaterThan(0);

    const s = await samples();
    const up = (provider: string, model: string, status_code: string) =>
      metricValue(s, 'batchgate_upstream_requests_total', { provider, model, status_code });
    expect(up('mock', 'mock-chat', '200')).toBe(3);
    expect(up('fake', 'fake-chat', '200')).toBe(4);
    expect(up('fake', 'fake-chat', '500')).toBe(1);
    expect(up('fake', 'fake-chat', '400')).toBe(1);
    expect(up('fake', 'fake-chat', 'error')).toBe(2);
    const calls = (provider: string, model: string) =>
      metricValue(s, 'batchgate_upstream_request_duration_seconds_count', { provider, model });
    expect(calls('mock', 'mock-chat')).toBe(3);
    expect(calls('fake', 'fake-chat')).toBe(8);

    const lineCount = (provider: string, model: string, outcome: string) =>
      metricValue(s, 'batchgate_batch_lines_total', { provider, model, outcome });
    expect(lineCount('mock', 'mock-chat', 'completed')).toBe(3);
    expect(lineCount('mock', 'mock-chat', 'failed')).toBe(0);
    expect(lineCount('fake', 'fake-chat', 'completed')).toBe(4);
    expect(lineCount('fake', 'fake-chat', 'failed')).toBe(2);

    const tokens = (provider: string, model: string, type: string) =>
      metricValue(s, 'batchgate_tokens_total', { provider, model, type });
    expect(tokens('mock', 'mock-chat', 'input')).toBe(mock.input);
    expect(tokens('mock', 'mock-chat', 'output')).toBe(mock.output);
    expect(tokens('fake', 'fake-chat', 'input')).toBe(fake.input);
    expect(tokens('fake', 'fake-chat', 'output')).toBe(fake.output);

    const cost = (provider: string, model: string) => metricValue(s, 'batchgate_cost_usd_total', { provider, model });
    expect(cost('mock', 'mock-chat')).toBeCloseTo((mock.input * 0.15 + mock.output * 0.6) / 1e6, 12);
    expect(cost('fake', 'fake-chat')).toBeCloseTo((fake.input * 1 + fake.output * 2) / 1e6, 12);
    const usage = (done as unknown as { usage: { total_cost: number } }).usage;
    expect(cost('mock', 'mock-chat')! + cost('fake', 'fake-chat')!).toBeCloseTo(usage.total_cost, 12);

    expect(metricValue(s, 'batchgate_batches', { status: 'completed' })).toBe(1);
    expect(metricValue(s, 'batchgate_batches', { status: 'in_progress' })).toBe(0);
    expect(metricValue(s, 'batchgate_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metricValue(s, 'batchgate_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    // Routes are patterns; the OpenAI client's calls above are counted under them.
    expect(
      metricValue(s, 'batchgate_http_requests_total', { method: 'GET', route: '/v1/batches/:id', status_code: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(s, 'batchgate_http_requests_total', { method: 'POST', route: '/v1/files', status_code: '200' }),
    ).toBe(1);
    expect(
      metricValue(s, 'batchgate_http_request_duration_seconds_count', { method: 'POST', route: '/v1/batches' }),
    ).toBe(1);

    const ids = new Set([
      batch.id,
      batch.input_file_id,
      done.output_file_id!,
      done.error_file_id!,
      ...lines.map((l) => l.custom_id),
    ]);
    const labelValues = s.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.filter((v) => ids.has(v) || /batch_|file-/.test(v))).toEqual([]);
  });

  it('counts unmatched URLs under one label instead of the raw path', async () => {
    await fetch(`${gw.url}/v1/no-such-route-${Date.now()}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    const s = await samples();
    const routes = new Set(s.filter((x) => x.name === 'batchgate_http_requests_total').map((x) => x.labels.route));
    expect(routes.has('unmatched')).toBe(true);
    expect([...routes].filter((r) => r?.includes('no-such-route'))).toEqual([]);
  });
});
