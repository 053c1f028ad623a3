// Native batches on an OpenAI-type Batch API, end to end through the stock openai client against
// batchgate, with a fake Files + Batches server as the provider: one provider batch, zero
// synchronous calls, results in input order with the original custom_ids, half-price cost,
// mirrored progress, refusals and faults at submission, damaged results, cancel and expiry, and
// the lines in the metrics.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gql } from '../graphql/helpers.js';
import { type GatewayBatch, readJsonl, retrieve, submit, untilTerminal, upload } from '../support/batches.js';
import { MovableClock } from '../support/clock.js';
import { type FakeOpenAIBatches, startFakeOpenAIBatches } from '../support/fake-openai-batches.js';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { metricValue, parseMetrics } from '../support/prometheus.js';
import { openSse } from '../support/sse.js';
import { waitFor } from '../support/wait.js';
import { trpcClient } from '../trpc/client.js';

let fake: FakeOpenAIBatches;
let gw: TestGateway;
const clock = new MovableClock();

const PRICES = { inputPricePerMillion: 2, outputPricePerMillion: 8 };

beforeAll(async () => {
  fake = await startFakeOpenAIBatches();
  gw = await startGateway({
    clock,
    config: {
      providers: {
        batchapi: { type: 'openai', baseUrl: fake.url, apiKey: 'sk-test', nativeBatch: true, nativePollMs: 100 },
        mock: { type: 'mock', maxConcurrency: 8 },
      },
      models: {
        'gpt-native': { provider: 'batchapi', upstreamModel: 'gpt-upstream', ...PRICES },
        'mock-chat': { provider: 'mock', ...PRICES },
      },
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.scenario = {};
  fake.faults.clear();
});

const native = (id: string, content: string, extra: Record<string, unknown> = {}) =>
  chatLine(id, content, extra, 'gpt-native');

/** This gateway's metrics for the native model. */
async function nativeMetrics() {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
  const samples = parseMetrics(await res.text());
  const labels = { provider: 'batchapi', model: 'gpt-native' };
  const lines = (outcome: string) => metricValue(samples, 'batchgate_batch_lines_total', { ...labels, outcome }) ?? 0;
  const cost = metricValue(samples, 'batchgate_cost_usd_total', labels) ?? 0;
  return { completed: lines('completed'), failed: lines('failed'), cost };
}

type OutputLine = {
  custom_id: string;
  response: { status_code: number; body: { usage?: { prompt_tokens: number; completion_tokens: number } } } | null;
  error: { code: string; message: string } | null;
};

describe('an OpenAI-type native batch', () => {
  it('runs through one provider batch with zero synchronous calls, results in input order at half price', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const creates = fake.count('create');
    const chats = fake.count('chat');
    const lines = Array.from({ length: 12 }, (_, i) => native(`q.${i}/x`, `question ${i}`));
    lines[4] = native('q.4/x', 'bad one', { fault: '400' });
    const created = await submit(client, lines);
    const done = await untilTerminal(client, created.id);

    expect(done.status).toBe('completed');
    expect(fake.count('create') - creates).toBe(1);
    expect(fake.count('chat') - chats).toBe(0);
    const providerBatch = [...fake.batches.values()].find((b) => b.metadata?.batchgate_batch_id === created.id)!;
    expect(done.provider_batch_id).toBe(providerBatch.id);
    expect(done.provider_batches).toEqual([
      {
        provider: 'batchapi',
        id: providerBatch.id,
        status: 'completed',
        request_counts: { total: 12, completed: 11, failed: 1 },
      },
    ]);
    expect(done.mode).toBe('auto');
    expect(providerBatch.lines.every((l) => l.body.model === 'gpt-upstream')).toBe(true);
    expect(done.request_counts).toEqual({ total: 12, completed: 11, failed: 1 });

    const output = await readJsonl<OutputLine>(client, done.output_file_id);
    const errors = await readJsonl<OutputLine>(client, done.error_file_id);
    expect(output.map((l) => l.custom_id)).toEqual(lines.filter((_, i) => i !== 4).map((l) => l.custom_id));
    expect(errors.map((l) => [l.custom_id, l.response?.status_code])).toEqual([['q.4/x', 400]]);

    const tokens = output.reduce(
      (sum, l) => ({
        input: sum.input + l.response!.body.usage!.prompt_tokens,
        output: sum.output + l.response!.body.usage!.completion_tokens,
      }),
      { input: 0, output: 0 },
    );
    const { usage } = done;
    expect(usage.input_tokens).toBe(tokens.input);
    expect(usage.output_tokens).toBe(tokens.output);
    // Batch prices default to half the synchronous ones: 1 and 4 USD per million tokens.
    expect(usage.total_cost).toBeCloseTo((tokens.input * 1 + tokens.output * 4) / 1e6, 12);
  });

  it('mirrors the provider counts into request_counts while it runs, on the REST event stream too', async () => {
    const { key } = await gw.tenant();
    const client = gw.openai(key);
    const created = await submit(
      client,
      Array.from({ length: 10 }, (_, i) => native(`m${i}`, `m ${i}`)),
    );
    const stream = await openSse(`${gw.url}/v1/batches/${created.id}/events`, { authorization: `Bearer ${key}` });
    await stream.done;
    const states = stream.events.map((e) => JSON.parse(e.data) as GatewayBatch);
    expect(states.at(-1)?.status).toBe('completed');
    expect(
      states.some(
        (b) =>
          b.status === 'in_progress' &&
          b.request_counts!.completed > 0 &&
          b.request_counts!.completed < 10 &&
          b.provider_batches[0]?.request_counts.completed === b.request_counts!.completed,
      ),
    ).toBe(true);
  });

  it('fails the batch with the provider message when it refuses the submission (token_limit_exceeded)', async () => {
    const client = gw.openai((await gw.tenant()).key);
    fake.faults.inject('create', {
      status: 400,
      code: 'token_limit_exceeded',
      message: 'Enqueued token limit reached for gpt-upstream.',
    });
    const created = await submit(client, [native('t1', 'x')]);
    const done = await untilTerminal(client, created.id);
    expect(done.status).toBe('failed');
    expect(done.errors?.data?.[0]).toMatchObject({
      code: 'token_limit_exceeded',
      message: expect.stringContaining('Enqueued token limit reached'),
    });
    expect(done.output_file_id ?? null).toBeNull();
    // Its lines ended with it: none is left open.
    expect(done.request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
  });

  it('retries 5xx and dropped answers at submission without ever creating a second provider batch', async () => {
    const client = gw.openai((await gw.tenant()).key);
    fake.faults.inject('create', { status: 503, message: 'try later' });
    fake.faults.inject('create', 'drop_after');
    const created = await submit(client, [native('r1', 'x'), native('r2', 'y')]);
    const done = await untilTerminal(client, created.id);
    expect(done.status).toBe('completed');
    const mine = [...fake.batches.values()].filter((b) => b.metadata?.batchgate_batch_id === created.id);
    expect(mine).toHaveLength(1);
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
  });

  it('fails with the provider errors when the provider batch fails at validation', async () => {
    const client = gw.openai((await gw.tenant()).key);
    fake.scenario = { failAtValidation: { code: 'invalid_request', message: 'model not supported in batch' } };
    const done = await untilTerminal(client, (await submit(client, [native('v1', 'x')])).id);
    expect(done.status).toBe('failed');
    expect(done.errors?.data?.[0]).toMatchObject({ code: 'invalid_request', message: 'model not supported in batch' });
  });

  it('ends every input line exactly once when results go missing, repeat, or name unknown lines', async () => {
    const client = gw.openai((await gw.tenant()).key);
    fake.scenario = { dropCustomIds: ['d3', 'd7'], unknownResults: 2, duplicateResults: 3 };
    const lines = Array.from({ length: 10 }, (_, i) => native(`d${i}`, `d ${i}`));
    const before = await nativeMetrics();
    const done = await untilTerminal(client, (await submit(client, lines)).id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 10, completed: 8, failed: 2 });
    // The process that collected them counts them, the missing ones too, at the batch's own cost,
    // once its collection has committed (a maintenance sweep may finalize the batch a moment earlier).
    const after = await waitFor(
      async () => {
        const now = await nativeMetrics();
        return now.completed - before.completed >= 8 && now.failed - before.failed >= 2 && now;
      },
      { timeoutMs: 5_000, what: 'the collected lines in the metrics' },
    );
    expect(after.completed - before.completed).toBe(8);
    expect(after.failed - before.failed).toBe(2);
    const { total_cost } = (done as unknown as { usage: { total_cost: number } }).usage;
    expect(total_cost).toBeGreaterThan(0);
    expect(after.cost - before.cost).toBeCloseTo(total_cost, 12);
    const errors = await readJsonl<OutputLine>(client, done.error_file_id);
    expect(errors.map((l) => [l.custom_id, l.error?.code])).toEqual([
      ['d3', 'provider_result_missing'],
      ['d7', 'provider_result_missing'],
    ]);
    const output = await readJsonl<OutputLine>(client, done.output_file_id);
    expect(new Set(output.map((l) => l.custom_id)).size).toBe(8);
  });

  it('ends every line when the results file is not JSONL', async () => {
    const client = gw.openai((await gw.tenant()).key);
    fake.scenario = { outputNotJsonl: true };
    const done = await untilTerminal(client, (await submit(client, [native('n1', 'x'), native('n2', 'y')])).id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
    const errors = await readJsonl<OutputLine>(client, done.error_file_id);
    expect(errors.map((l) => l.error?.code)).toEqual(['provider_result_missing', 'provider_result_missing']);
  });

  it('forwards a cancel to the running provider batch and keeps what finished', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const created = await submit(
      client,
      Array.from({ length: 8 }, (_, i) => native(`c${i}`, `c ${i}`)),
    );
    await waitFor(async () => (await retrieve(client, created.id)).provider_batch_id);
    await client.batches.cancel(created.id);
    const done = await untilTerminal(client, created.id);
    expect(done.status).toBe('cancelled');
    expect(fake.count('cancel')).toBeGreaterThan(0);
    expect(done.request_counts!.completed + done.request_counts!.failed).toBe(8);
    const errors = await readJsonl<OutputLine>(client, done.error_file_id);
    expect(errors.every((l) => l.error?.code === 'batch_cancelled')).toBe(true);
  });

  it('cancels a batch whose provider batch was never submitted without calling the provider', async () => {
    const client = gw.openai((await gw.tenant()).key);
    // Every create fails for now: the part stays `submitting`.
    fake.faults.inject('create', { status: 500 }, 1000);
    const creates = fake.count('create');
    const created = await submit(client, [native('s1', 'x'), native('s2', 'y')]);
    await waitFor(() => fake.count('create') > creates);
    await client.batches.cancel(created.id);
    const done = await untilTerminal(client, created.id);
    fake.faults.clear();
    expect(done.status).toBe('cancelled');
    expect([...fake.batches.values()].some((b) => b.metadata?.batchgate_batch_id === created.id)).toBe(false);
    const errors = await readJsonl<OutputLine>(client, done.error_file_id);
    expect(errors.map((l) => l.error?.code)).toEqual(['batch_cancelled', 'batch_cancelled']);
  });

  it('at our deadline cancels the provider batch, collects what finished and ends expired', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const created = await submit(
      client,
      Array.from({ length: 6 }, (_, i) => native(`e${i}`, `e ${i}`)),
    );
    await waitFor(async () => (await retrieve(client, created.id)).provider_batch_id);
    clock.advance(25 * 60 * 60 * 1000);
    const done = await untilTerminal(client, created.id);
    expect(done.status).toBe('expired');
    const errors = await readJsonl<OutputLine>(client, done.error_file_id);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((l) => l.error?.code === 'batch_expired')).toBe(true);
    expect(done.request_counts!.completed + done.request_counts!.failed).toBe(6);
  });

  it('runs a mixed batch: native lines through the provider batch, the rest directly', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const lines = [native('a', 'one'), chatLine('b', 'two'), native('c', 'three'), chatLine('d', 'four')];
    const done = await untilTerminal(client, (await submit(client, lines)).id);
    expect(done.status).toBe('completed');
    const output = await readJsonl<OutputLine>(client, done.output_file_id);
    expect(output.map((l) => l.custom_id)).toEqual(['a', 'b', 'c', 'd']);
    expect(done.provider_batches).toEqual([
      expect.objectContaining({ provider: 'batchapi', request_counts: expect.objectContaining({ total: 2 }) }),
    ]);
  });

  it('follows the mode: native refuses lines without a native API, direct sends every line itself', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const file = await upload(client, [chatLine('x', 'mock line')]);
    const refused = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      mode: 'native',
    } as never);
    const failed = await untilTerminal(client, refused.id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.[0]).toMatchObject({ code: 'native_batch_unsupported', line: 1 });

    const creates = fake.count('create');
    const chats = fake.count('chat');
    const directFile = await upload(client, [native('y', 'direct please')]);
    const direct = await client.batches.create({
      input_file_id: directFile.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      mode: 'direct',
    } as never);
    const done = await untilTerminal(client, direct.id);
    expect(done.status).toBe('completed');
    expect(fake.count('create')).toBe(creates);
    expect(fake.count('chat') - chats).toBe(1);
    expect(done.provider_batch_id ?? null).toBeNull();
  });

  it('shows the provider batches and the mode on GraphQL and tRPC too, and takes the mode from them', async () => {
    const { key } = await gw.tenant();
    const query = `mutation($input: CreateBatchInput!) { createBatch(input: $input) { id mode } }`;
    const requests = [native('gq1', 'hello'), native('gq2', 'again')];
    const created = await gql(gw.url, key, query, {
      input: { requests, endpoint: '/v1/chat/completions', mode: 'NATIVE' },
    });
    const id = created.body.data!.createBatch.id as string;
    expect(created.body.data!.createBatch.mode).toBe('NATIVE');
    await untilTerminal(gw.openai(key), id);
    const read = await gql(
      gw.url,
      key,
      `query($id: ID!) { batch(id: $id) { status mode providerBatchId providerBatches { provider id status requestCounts { total completed failed } } } }`,
      { id },
    );
    const batch = read.body.data!.batch;
    expect(batch).toMatchObject({ status: 'COMPLETED', mode: 'NATIVE' });
    expect(batch.providerBatches).toEqual([
      {
        provider: 'batchapi',
        id: batch.providerBatchId,
        status: 'completed',
        requestCounts: { total: 2, completed: 2, failed: 0 },
      },
    ]);
    const trpc = trpcClient(gw.url, { key });
    const viaTrpc = await trpc.batches.get.query({ id });
    expect(viaTrpc.mode).toBe('native');
    expect(viaTrpc.providerBatches).toEqual([
      {
        provider: 'batchapi',
        id: batch.providerBatchId,
        status: 'completed',
        requestCounts: { total: 2, completed: 2, failed: 0 },
      },
    ]);
    const direct = await trpc.batches.create.mutate({
      requests: [native('tr1', 'x')],
      endpoint: '/v1/chat/completions',
      mode: 'direct',
    });
    expect(direct.mode).toBe('direct');
  });
});
