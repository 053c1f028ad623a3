// The engine against a fake OpenAI-compatible upstream with injected faults: retries and their
// limits, exact attempt counts, timeouts, malformed answers, model rewriting, usage and cost,
// fairness between batches, rate limits, cancel with requests in flight, and expiry.

import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilStatus, untilTerminal } from '../support/batches.js';
import { MovableClock } from '../support/clock.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';

let upstream: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
const clock = new MovableClock();

const PRICES = { inputPricePerMillion: 1.25, outputPricePerMillion: 10 };

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gw = await startGateway({
    clock,
    config: {
      providers: {
        fake: {
          type: 'openai',
          baseUrl: `${upstream.url}/v1`,
          apiKey: 'sk-upstream',
          maxConcurrency: 16,
          maxRetries: 3,
          timeoutMs: 400,
        },
        limited: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 4, maxRetries: 0, rpm: 60 },
      },
      models: {
        'fake-chat': { provider: 'fake', upstreamModel: 'upstream-chat-v2', ...PRICES },
        'fake-embed': { provider: 'fake', inputPricePerMillion: 0.1 },
        'slow-chat': { provider: 'limited', ...PRICES },
      },
    },
  });
  client = gw.openai((await gw.tenant()).key);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

type Line = ReturnType<typeof chatLine>;

const runBatch = submit;

const line = (id: string, fault: string, model = 'fake-chat'): Line =>
  chatLine(id, `content of ${id}`, { fault, tag: id }, model);

describe('a 300-line mixed batch', () => {
  const FAULTS = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'flaky:2', '400', '500', '429:1:30'];
  const lines = Array.from({ length: 300 }, (_, i) => line(`mixed-${i}`, FAULTS[i % 10]!));

  it('ends with exact counts, the right lines in each file, exact attempts, and usage that adds up', async () => {
    const batch = await runBatch(client, lines);
    const done = await untilTerminal(client, batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 300, completed: 240, failed: 60 });

    const output = await readJsonl(client, done.output_file_id);
    const errors = await readJsonl(client, done.error_file_id);
    const expectedOk = lines.filter((_, i) => ![7, 8].includes(i % 10)).map((l) => l.custom_id);
    const expectedFailed = lines.filter((_, i) => [7, 8].includes(i % 10)).map((l) => l.custom_id);
    expect(output.map((l) => l.custom_id)).toEqual(expectedOk);
    expect(errors.map((l) => l.custom_id)).toEqual(expectedFailed);
    expect(new Set([...output, ...errors].map((l) => l.id)).size).toBe(300);

    const bad = errors.find((l) => l.custom_id === 'mixed-7');
    expect(bad).toMatchObject({
      response: { status_code: 400, body: { error: { type: 'invalid_request_error' } } },
      error: null,
    });
    const down = errors.find((l) => l.custom_id === 'mixed-8');
    expect(down).toMatchObject({ response: { status_code: 500 }, error: null });

    // Attempts: ok once, flaky until success (3), 400 once, 500 up to maxRetries+1 (4), 429 twice.
    const expectedAttempts = { ok: 1, 'flaky:2': 3, '400': 1, '500': 4, '429:1:30': 2 } as Record<string, number>;
    for (const [i, l] of lines.entries()) {
      expect(upstream.attempts.get(l.custom_id), `${l.custom_id} (${FAULTS[i % 10]})`).toBe(
        expectedAttempts[FAULTS[i % 10]!],
      );
    }

    // The upstream saw the rewritten model and the provider's key.
    const seen = upstream.log.filter((r) => r.tag.startsWith('mixed-'));
    expect(new Set(seen.map((r) => r.model))).toEqual(new Set(['upstream-chat-v2']));
    expect(new Set(seen.map((r) => r.authorization))).toEqual(new Set(['Bearer sk-upstream']));
    expect(new Set(seen.map((r) => r.path))).toEqual(new Set(['/v1/chat/completions']));

    const input = output.reduce((n, l) => n + l.response!.body.usage.prompt_tokens, 0);
    const out = output.reduce((n, l) => n + l.response!.body.usage.completion_tokens, 0);
    const usage = done.usage;
    expect(usage.input_tokens).toBe(input);
    expect(usage.output_tokens).toBe(out);
    expect(usage.total_tokens).toBe(input + out);
    expect(usage.input_cost).toBeCloseTo((input * PRICES.inputPricePerMillion) / 1e6, 12);
    expect(usage.output_cost).toBeCloseTo((out * PRICES.outputPricePerMillion) / 1e6, 12);
    expect(usage.total_cost).toBeCloseTo(usage.input_cost! + usage.output_cost!, 12);
  });
});

describe('answers that are not answers', () => {
  it('a hanging upstream ends request_timeout after its retries; malformed JSON and resets end as errors', async () => {
    const batch = await runBatch(client, [
      line('t-hang', 'hang'),
      line('t-bad-json', 'malformed'),
      line('t-reset', 'reset'),
      line('t-ok', 'ok'),
    ]);
    const done = await untilTerminal(client, batch.id);
    expect(done.request_counts).toEqual({ total: 4, completed: 1, failed: 3 });
    const errors = Object.fromEntries((await readJsonl(client, done.error_file_id)).map((l) => [l.custom_id, l]));
    expect(errors['t-hang']).toMatchObject({ response: null, error: { code: 'request_timeout' } });
    expect(upstream.attempts.get('t-hang')).toBe(4);
    expect(errors['t-bad-json']).toMatchObject({
      response: { status_code: 502, body: { error: { code: 'invalid_upstream_response' } } },
      error: null,
    });
    expect(upstream.attempts.get('t-bad-json')).toBe(4);
    expect(errors['t-reset']).toMatchObject({ response: null, error: { code: 'upstream_unreachable' } });
  });

  it('reads tokens from embeddings answers', async () => {
    const lines = ['a', 'bb', 'ccc'].map((text, i) => ({
      custom_id: `emb-${i}`,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'fake-embed', input: text },
    }));
    const done = await untilTerminal(client, (await runBatch(client, lines, '/v1/embeddings')).id);
    const output = await readJsonl(client, done.output_file_id);
    const tokens = output.reduce((n, l) => n + l.response!.body.usage.prompt_tokens, 0);
    const usage = done.usage;
    expect(usage).toMatchObject({ input_tokens: tokens, output_tokens: 0, total_tokens: tokens });
    expect(usage.total_cost).toBeCloseTo((tokens * 0.1) / 1e6, 12);
  });
});

describe('scheduling', () => {
  it('a 10-line batch created behind a large one finishes long before it', async () => {
    const big = await runBatch(
      client,
      Array.from({ length: 1500 }, (_, i) => line(`big-${i}`, 'latency:20')),
    );
    await untilStatus(client, big.id, ['in_progress'], 30_000);
    const other = gw.openai((await gw.tenant()).key);
    const small = await runBatch(
      other,
      Array.from({ length: 10 }, (_, i) => line(`small-${i}`, 'latency:20')),
    );
    const smallDone = await untilTerminal(other, small.id);
    expect(smallDone.request_counts).toEqual({ total: 10, completed: 10, failed: 0 });
    const bigNow = await client.batches.retrieve(big.id);
    expect(bigNow.request_counts!.completed + bigNow.request_counts!.failed).toBeLessThan(1500 / 2);
    await client.batches.cancel(big.id);
    await untilTerminal(client, big.id);
  });

  it('spaces requests to respect a provider rpm limit', async () => {
    const lines = Array.from({ length: 3 }, (_, i) => line(`rpm-${i}`, 'ok', 'slow-chat'));
    const started = Date.now();
    const done = await untilTerminal(client, (await runBatch(client, lines)).id);
    expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    // rpm 60 = one request per one-second window: three requests need at least two window turns.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });
});

describe('cancel and expiry', () => {
  it('cancel aborts requests in flight and ends the rest batch_cancelled, keeping finished output', async () => {
    const lines = [
      ...Array.from({ length: 5 }, (_, i) => line(`cx-ok-${i}`, 'ok')),
      ...Array.from({ length: 5 }, (_, i) => line(`cx-slow-${i}`, 'latency:5000')),
    ];
    const batch = await runBatch(client, lines);
    await waitFor(async () => (await client.batches.retrieve(batch.id)).request_counts!.completed === 5, {
      what: 'fast lines',
    });
    await waitFor(() => upstream.attempts.get('cx-slow-4') === 1, { what: 'slow lines in flight' });
    await client.batches.cancel(batch.id);
    const done = await untilTerminal(client, batch.id, 4000);
    expect(done.status).toBe('cancelled');
    expect(done.request_counts).toEqual({ total: 10, completed: 5, failed: 5 });
    expect((await readJsonl(client, done.output_file_id)).map((l) => l.custom_id)).toEqual(
      lines.slice(0, 5).map((l) => l.custom_id),
    );
    const errors = await readJsonl(client, done.error_file_id);
    expect(errors.map((l) => l.error!.code)).toEqual(Array(5).fill('batch_cancelled'));
  });

  it('cancel ends a request waiting out a long Retry-After at once, without sending it again', async () => {
    const lines = [line('cw-ok', 'ok'), line('cw-wait', '429s:1:60')];
    const batch = await runBatch(client, lines);
    await waitFor(async () => (await client.batches.retrieve(batch.id)).request_counts!.completed === 1, {
      what: 'the ok line',
    });
    await waitFor(() => upstream.attempts.get('cw-wait') === 1, { what: 'the first 429' });
    await client.batches.cancel(batch.id);
    const done = await untilTerminal(client, batch.id, 4000);
    expect(done.status).toBe('cancelled');
    expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    expect((await readJsonl(client, done.error_file_id)).map((l) => [l.custom_id, l.error!.code])).toEqual([
      ['cw-wait', 'batch_cancelled'],
    ]);
    expect(upstream.attempts.get('cw-wait')).toBe(1);
  });

  it('expiry ends pending requests batch_expired and keeps the partial output', async () => {
    const lines = [
      ...Array.from({ length: 4 }, (_, i) => line(`ex-ok-${i}`, 'ok')),
      ...Array.from({ length: 40 }, (_, i) => line(`ex-slow-${i}`, 'latency:300', 'slow-chat')),
    ];
    const batch = await runBatch(client, lines);
    await waitFor(async () => (await client.batches.retrieve(batch.id)).request_counts!.completed >= 4, {
      what: 'some output',
    });
    // A day passes: the gateway's clock moves past the batch's expires_at.
    clock.advance(25 * 60 * 60 * 1000);
    const done = await untilTerminal(client, batch.id, 15_000);
    expect(done.status).toBe('expired');
    expect(done.expired_at).toEqual(expect.any(Number));
    const counts = done.request_counts!;
    expect(counts.total).toBe(44);
    expect(counts.completed + counts.failed).toBe(44);
    const output = await readJsonl(client, done.output_file_id);
    const errors = await readJsonl(client, done.error_file_id);
    expect(output.length).toBe(counts.completed);
    expect(output.length).toBeGreaterThanOrEqual(4);
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((l) => l.error!.code))).toEqual(new Set(['batch_expired']));
  });
});
