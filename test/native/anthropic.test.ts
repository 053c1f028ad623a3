// Anthropic through batchgate, end to end with the stock openai client and a fake Anthropic API:
// native Message Batches (surrogate custom_ids for ids Anthropic refuses, the nested error read at
// the right level, canceled and expired results, half price) and the same lines run directly
// through the Messages API, translated both ways; untranslatable lines fail at validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, retrieve, submit, untilTerminal } from '../support/batches.js';
import { type FakeAnthropic, startFakeAnthropic } from '../support/fake-anthropic.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';

let fake: FakeAnthropic;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  gw = await startGateway({
    config: {
      providers: {
        claude: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-test', nativeBatch: true, nativePollMs: 100 },
        claudeDirect: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-test', maxRetries: 0 },
      },
      models: {
        'claude-batch': {
          provider: 'claude',
          upstreamModel: 'claude-upstream',
          inputPricePerMillion: 3,
          outputPricePerMillion: 15,
        },
        'claude-now': {
          provider: 'claudeDirect',
          upstreamModel: 'claude-upstream',
          inputPricePerMillion: 3,
          outputPricePerMillion: 15,
        },
      },
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

type Line = {
  custom_id: string;
  response: {
    status_code: number;
    body: {
      object?: string;
      choices?: { finish_reason: string; message: { content: string } }[];
      usage?: { prompt_tokens: number; completion_tokens: number };
      error?: { message: string; type: string; param: null; code: null };
    };
  } | null;
  error: { code: string } | null;
};

const ask = (id: string, text: string, model: string, extra: Record<string, unknown> = {}) =>
  chatLine(id, text, { max_tokens: 64, ...extra }, model);

describe('Anthropic Message Batches as a native batch', () => {
  it('completes with original custom_ids (surrogates upstream), nested errors mapped, at half price', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const longId = `long-${'x'.repeat(80)}`;
    const lines = [
      ask('dotted.id/with slashes', 'first', 'claude-batch'),
      ask(longId, 'second', 'claude-batch'),
      ask('overloaded', 'third #fault=error:overloaded_error', 'claude-batch'),
      ask('plain', 'fourth', 'claude-batch', { stop: ['END'] }),
    ];
    const creates = fake.count('create');
    const messages = fake.count('messages');
    const done = await untilTerminal(client, (await submit(client, lines)).id);
    expect(done.status).toBe('completed');
    expect(fake.count('create') - creates).toBe(1);
    expect(fake.count('messages') - messages).toBe(0);
    const upstream = [...fake.batches.values()].at(-1)!;
    expect(upstream.requests.every((r) => /^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id))).toBe(true);
    expect(done.provider_batch_id).toBe(upstream.id);

    const output = await readJsonl<Line>(client, done.output_file_id);
    expect(output.map((l) => l.custom_id)).toEqual(['dotted.id/with slashes', longId, 'plain']);
    expect(output[0]?.response?.body).toMatchObject({
      object: 'chat.completion',
      choices: [{ finish_reason: 'stop' }],
    });
    const errors = await readJsonl<Line>(client, done.error_file_id);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      custom_id: 'overloaded',
      response: { status_code: 529, body: { error: { type: 'overloaded_error', param: null, code: null } } },
    });
    const tokens = output.reduce(
      (t, l) => [t[0]! + l.response!.body.usage!.prompt_tokens, t[1]! + l.response!.body.usage!.completion_tokens],
      [0, 0],
    );
    expect(done.usage.input_tokens).toBe(tokens[0]);
    expect(done.usage.total_cost).toBeCloseTo((tokens[0]! * 1.5 + tokens[1]! * 7.5) / 1e6, 12);
  });

  it('ends canceled lines batch_cancelled when cancelled, and expired ones batch_expired', async () => {
    const client = gw.openai((await gw.tenant()).key);
    fake.scenario = { pollsToEnd: 50 };
    const created = await submit(
      client,
      Array.from({ length: 6 }, (_, i) => ask(`k${i}`, `k ${i}`, 'claude-batch')),
    );
    await untilPart(client, created.id);
    await client.batches.cancel(created.id);
    const cancelled = await untilTerminal(client, created.id);
    fake.scenario = {};
    expect(cancelled.status).toBe('cancelled');
    const cancelledLines = await readJsonl<Line>(client, cancelled.error_file_id);
    expect(cancelledLines.length).toBeGreaterThan(0);
    expect(cancelledLines.every((l) => l.error?.code === 'batch_cancelled')).toBe(true);

    const expiring = await submit(client, [
      ask('fine', 'ok', 'claude-batch'),
      ask('late', 'too late #fault=expire', 'claude-batch'),
    ]);
    const expired = await untilTerminal(client, expiring.id);
    expect(expired.status).toBe('expired');
    const expiredLines = await readJsonl<Line>(client, expired.error_file_id);
    expect(expiredLines.map((l) => [l.custom_id, l.error?.code])).toEqual([['late', 'batch_expired']]);
  });
});

describe('Anthropic run directly', () => {
  it('translates each line to Messages and back, and refuses untranslatable lines at validation', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const lines = [
      chatLine('sys', 'hello', { max_completion_tokens: 32 }, 'claude-now'),
      ask('cut', 'long one #fault=max_tokens', 'claude-now'),
    ];
    lines[0]!.body.messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello' },
    ];
    const done = await untilTerminal(client, (await submit(client, lines)).id);
    expect(done.status).toBe('completed');
    const sent = fake.messageBodies.slice(-2);
    expect(sent.find((b) => b.system)).toMatchObject({ system: 'Be brief.', max_tokens: 32, model: 'claude-upstream' });
    const output = await readJsonl<Line>(client, done.output_file_id);
    expect(output.map((l) => [l.custom_id, l.response?.body.choices?.[0]?.finish_reason])).toEqual([
      ['sys', 'stop'],
      ['cut', 'length'],
    ]);

    const refused = await untilTerminal(
      client,
      (await submit(client, [ask('ok', 'fine', 'claude-now'), ask('many', 'two answers', 'claude-now', { n: 2 })])).id,
    );
    expect(refused.status).toBe('failed');
    expect(refused.errors?.data).toEqual([
      expect.objectContaining({ code: 'unsupported_parameter', param: 'body.n', line: 2 }),
    ]);
  });
});

const untilPart = (client: ReturnType<TestGateway['openai']>, id: string) =>
  waitFor(async () => (await retrieve(client, id)).provider_batch_id);
