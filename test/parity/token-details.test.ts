// Token details as OpenAI reports them: cached input (`prompt_tokens_details.cached_tokens`, or the
// responses API's `input_tokens_details`) and reasoning output (`completion_tokens_details` /
// `output_tokens_details`) read per answer, added once to the batch's usage on every face, and
// cached input priced at the model's `cachedInputPricePerMillion` (default: the input price).
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../graphql/helpers.js';
import { submit, untilTerminal } from '../support/batches.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { fakeChatConfig, startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { metricValue, parseMetrics } from '../support/prometheus.js';
import { trpcClient } from '../trpc/client.js';

let upstream: FakeUpstream;
let gw: TestGateway;
let key: string;
let client: OpenAI;

// USD per million tokens: input 2, cached input 0.5, output 8; `plain-chat` has no cached price.
const CACHED = { provider: 'fake', inputPricePerMillion: 2, cachedInputPricePerMillion: 0.5, outputPricePerMillion: 8 };
const PLAIN = { provider: 'fake', inputPricePerMillion: 3, outputPricePerMillion: 6 };

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gw = await startGateway({
    config: fakeChatConfig(upstream, { models: { 'cached-chat': CACHED, 'plain-chat': PLAIN } }),
  });
  key = (await gw.tenant()).key;
  client = gw.openai(key);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** A chat line the fake answers with this usage. */
const chatUsing = (id: string, model: string, input: number, output: number, cached: number, reasoning: number) =>
  chatLine(
    id,
    `text of ${id}`,
    {
      fake_usage: {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input + output,
        prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: reasoning },
      },
    },
    model,
  );

/** USD, as the gateway computes it: uncached input, cached input and output at their prices. */
const cost = (price: typeof CACHED, input: number, cached: number, output: number) => ({
  input: ((input - cached) * price.inputPricePerMillion + cached * price.cachedInputPricePerMillion) / 1e6,
  output: (output * price.outputPricePerMillion) / 1e6,
});

describe('token details', () => {
  it('adds cached and reasoning tokens to the usage once per line and prices cached input apart', async () => {
    const lines = [
      chatUsing('a', 'cached-chat', 1000, 300, 800, 120),
      chatUsing('b', 'cached-chat', 2000, 50, 0, 0),
      chatUsing('c', 'cached-chat', 64, 10, 64, 10),
      chatLine('d', 'plain', { fault: '400' }, 'cached-chat'), // an error line adds nothing
    ];
    const done = await untilTerminal(client, (await submit(client, lines)).id);
    expect(done.request_counts).toEqual({ total: 4, completed: 3, failed: 1 });
    const expected = cost(CACHED, 3064, 864, 360);
    expect(done.usage).toEqual({
      input_tokens: 3064,
      input_tokens_details: { cached_tokens: 864 },
      output_tokens: 360,
      output_tokens_details: { reasoning_tokens: 130 },
      total_tokens: 3424,
      input_cost: expect.closeTo(expected.input, 12),
      output_cost: expect.closeTo(expected.output, 12),
      total_cost: expect.closeTo(expected.input + expected.output, 12),
    });
    // Exact decimals: (2200 uncached × $2 + 864 cached × $0.50) per million, to the last digit.
    expect((done.usage as unknown as { input_cost: number }).input_cost).toBe(0.004832);

    const fields = `usage { inputTokens inputTokensDetails { cachedTokens } outputTokens
      outputTokensDetails { reasoningTokens } inputCost }`;
    const read = await gql(gw.url, key, `query($id: ID!) { batch(id: $id) { ${fields} } }`, { id: done.id });
    expect(read.body.data!.batch.usage).toEqual({
      inputTokens: 3064,
      inputTokensDetails: { cachedTokens: 864 },
      outputTokens: 360,
      outputTokensDetails: { reasoningTokens: 130 },
      inputCost: 0.004832,
    });
    const viaTrpc = await trpcClient(gw.url, { key }).batches.get.query({ id: done.id });
    expect(viaTrpc.usage).toMatchObject({
      inputTokensDetails: { cachedTokens: 864 },
      outputTokensDetails: { reasoningTokens: 130 },
    });

    const metrics = parseMetrics(
      await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).text(),
    );
    const metricCost = metricValue(metrics, 'batchgate_cost_usd_total', { provider: 'fake', model: 'cached-chat' });
    expect(metricCost).toBeCloseTo(expected.input + expected.output, 12);
  });

  it("reads the responses API's input/output token details, and prices cached input at the input price by default", async () => {
    const line = (id: string, input: number, cached: number, output: number, reasoning: number) => ({
      custom_id: id,
      method: 'POST',
      url: '/v1/responses',
      body: {
        model: 'plain-chat',
        input: `question ${id}`,
        fake_usage: {
          input_tokens: input,
          input_tokens_details: { cached_tokens: cached },
          output_tokens: output,
          output_tokens_details: { reasoning_tokens: reasoning },
          total_tokens: input + output,
        },
      },
    });
    const done = await untilTerminal(
      client,
      (await submit(client, [line('r1', 500, 200, 40, 30), line('r2', 100, 0, 5, 0)], '/v1/responses')).id,
    );
    expect(done.status).toBe('completed');
    expect(done.usage).toMatchObject({
      input_tokens: 600,
      input_tokens_details: { cached_tokens: 200 },
      output_tokens: 45,
      output_tokens_details: { reasoning_tokens: 30 },
      input_cost: expect.closeTo((600 * 3) / 1e6, 12),
      output_cost: expect.closeTo((45 * 6) / 1e6, 12),
    });
  });

  it('shows the cached input price in /v1/model-config and on GraphQL Model', async () => {
    const res = await fetch(`${gw.url}/v1/model-config`, { headers: { authorization: `Bearer ${key}` } });
    const byId = new Map(
      ((await res.json()).active_models as { id: string }[]).map((m) => [m.id, m] as [string, Record<string, unknown>]),
    );
    expect(byId.get('cached-chat')).toMatchObject({ input_price_cents: 200, cached_input_price_cents: 50 });
    expect(byId.get('plain-chat')).toMatchObject({ input_price_cents: 300, cached_input_price_cents: 300 });
    const models = await gql(gw.url, key, '{ models { id cachedInputPricePerMillion } }');
    expect(models.body.data!.models).toContainEqual({ id: 'cached-chat', cachedInputPricePerMillion: 0.5 });
  });
});
