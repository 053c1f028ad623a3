// The Batches API through the official openai client, on the built-in mock provider: the full
// life of a batch, pagination, cancel, and the seed APIs' variants (GoModel inline requests and
// results, TrueFoundry job_name, Mithril endpoint inference, DELETE and model-config).
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, untilStatus, upload as uploadLines } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';

let gw: TestGateway;
let client: OpenAI;
let key: string;

beforeAll(async () => {
  gw = await startGateway();
  key = (await gw.tenant()).key;
  client = gw.openai(key);
});
afterAll(() => gw?.close());

const upload = (c: OpenAI, lines: unknown[], purpose: 'batch' | 'user_data' = 'batch') =>
  uploadLines(c, lines, 'input.jsonl', purpose);

const rest = (path: string, init: RequestInit = {}, token = key) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

describe('a batch from an uploaded file', () => {
  it('runs every line and returns OpenAI-format output with counts, timestamps and usage', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => chatLine(`req-${i}`, `hello ${i}`));
    const file = await upload(client, lines);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { team: 'search' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      input_file_id: file.id,
      metadata: { team: 'search' },
    });
    expect(created.id).toMatch(/^batch_/);
    expect(created.expires_at! - created.created_at).toBe(24 * 3600);

    const done = await untilStatus(client, created.id, ['completed', 'failed'], 30_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 25, completed: 25, failed: 0 });
    expect(done.error_file_id).toBeNull();
    for (const field of ['in_progress_at', 'finalizing_at', 'completed_at'] as const)
      expect(done[field]).toEqual(expect.any(Number));
    const extra = done as unknown as Record<string, unknown>;
    expect(extra.model).toBe('mock-chat');
    expect(extra.provider).toBe('mock');
    expect(extra.provider_batch_id).toBeNull();

    const output = await (await client.files.content(done.output_file_id!)).text();
    const results = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.custom_id)).toEqual(lines.map((l) => l.custom_id));
    expect(results[3]).toEqual({
      id: expect.stringMatching(/^batch_req_/),
      custom_id: 'req-3',
      response: {
        status_code: 200,
        request_id: expect.any(String),
        body: expect.objectContaining({ object: 'chat.completion' }),
      },
      error: null,
    });
    expect(results[3].response.body.choices[0].message.content).toBe('MOCK: hello 3');

    const usage = extra.usage as Record<string, number>;
    const input = results.reduce((n, r) => n + r.response.body.usage.prompt_tokens, 0);
    const outputTokens = results.reduce((n, r) => n + r.response.body.usage.completion_tokens, 0);
    expect(usage).toEqual({
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + outputTokens,
      input_cost: expect.closeTo((input * 0.15) / 1e6, 12),
      output_cost: expect.closeTo((outputTokens * 0.6) / 1e6, 12),
      total_cost: expect.closeTo((input * 0.15 + outputTokens * 0.6) / 1e6, 12),
    });
    const outputFile = await client.files.retrieve(done.output_file_id!);
    expect(outputFile).toMatchObject({ purpose: 'batch_output', bytes: Buffer.byteLength(output) });
  });

  it('lists batches newest first and auto-paginates with limit/after', async () => {
    const tenant = gw.openai((await gw.tenant()).key);
    const file = await upload(tenant, [chatLine('a', 'x')]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await tenant.batches.create({
            input_file_id: file.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
          })
        ).id,
      );
    }
    const seen: string[] = [];
    for await (const batch of tenant.batches.list({ limit: 2 })) seen.push(batch.id);
    expect(seen).toEqual([...ids].reverse());
    const first = await tenant.batches.list({ limit: 2 });
    expect(first.has_more).toBe(true);
    await expect(tenant.batches.list({ limit: 101 })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
  });

  it('cancels a running batch, keeps partial output, and refuses to cancel a finished one', async () => {
    const slow = await startGateway({
      config: { providers: { mock: { type: 'mock', maxConcurrency: 2, latencyMs: 100 } } },
    });
    try {
      const c = slow.openai((await slow.tenant()).key);
      const file = await upload(
        c,
        Array.from({ length: 60 }, (_, i) => chatLine(`c-${i}`, `q ${i}`)),
      );
      const batch = await c.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      await waitFor(async () => (await c.batches.retrieve(batch.id)).request_counts!.completed >= 4, {
        what: 'some progress',
      });
      const cancelling = await c.batches.cancel(batch.id);
      expect(['cancelling', 'cancelled']).toContain(cancelling.status);
      const cancelled = await untilStatus(c, batch.id, ['cancelled'], 30_000);
      expect(cancelled.cancelled_at).toEqual(expect.any(Number));
      const counts = cancelled.request_counts!;
      expect(counts.total).toBe(60);
      expect(counts.completed + counts.failed).toBe(60);
      expect(counts.completed).toBeGreaterThanOrEqual(4);
      expect(counts.completed).toBeLessThan(60);
      const out = await readJsonl(c, cancelled.output_file_id);
      const errs = await readJsonl(c, cancelled.error_file_id);
      expect(out).toHaveLength(counts.completed);
      expect(errs).toHaveLength(counts.failed);
      expect(errs[0]).toMatchObject({ response: null, error: { code: 'batch_cancelled' } });
      await expect(c.batches.cancel(batch.id)).rejects.toMatchObject({ status: 409 });
    } finally {
      await slow.close();
    }
  });
});

describe('seed API variants', () => {
  it('GoModel: inline requests, per-line results in input order, usage on the batch', async () => {
    const requests = [chatLine('g-1', 'one'), chatLine('g-2', 'two'), chatLine('g-3', 'three')];
    const res = await rest('/v1/batches', {
      method: 'POST',
      body: JSON.stringify({ requests, endpoint: '/v1/chat/completions' }),
    });
    expect(res.status).toBe(200);
    const created = await res.json();
    expect(created.input_file_id).toMatch(/^file-/);
    const done = await untilStatus(client, created.id, ['completed'], 30_000);
    expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    const page1 = await (await rest(`/v1/batches/${created.id}/results?limit=2`)).json();
    expect(page1).toMatchObject({ object: 'list', first_id: '0', last_id: '1', has_more: true });
    expect(page1.data[0]).toEqual({
      index: 0,
      custom_id: 'g-1',
      url: '/v1/chat/completions',
      model: 'mock-chat',
      provider: 'mock',
      status_code: 200,
      response: expect.objectContaining({ object: 'chat.completion' }),
      error: null,
    });
    const page2 = await (await rest(`/v1/batches/${created.id}/results?limit=2&after=1`)).json();
    expect(page2.data.map((r: { custom_id: string }) => r.custom_id)).toEqual(['g-3']);
    expect(page2.has_more).toBe(false);
    const input = await (await client.files.content(created.input_file_id)).text();
    expect(
      input
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(requests);
  });

  it('TrueFoundry: job_name is kept and every OpenAI batch field is present', async () => {
    const file = await upload(client, [chatLine('t-1', 'x')]);
    const res = await rest('/v1/batches', {
      method: 'POST',
      body: JSON.stringify({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        job_name: 'nightly-eval',
      }),
    });
    const batch = await res.json();
    expect(batch.job_name).toBe('nightly-eval');
    for (const field of [
      'id',
      'object',
      'endpoint',
      'errors',
      'input_file_id',
      'completion_window',
      'status',
      'output_file_id',
      'error_file_id',
      'created_at',
      'in_progress_at',
      'expires_at',
      'finalizing_at',
      'completed_at',
      'failed_at',
      'expired_at',
      'cancelling_at',
      'cancelled_at',
      'request_counts',
      'metadata',
      'model',
      'provider',
      'provider_batch_id',
      'usage',
    ]) {
      expect(batch).toHaveProperty(field);
    }
  });

  it('Mithril: endpoint inferred from the lines, DELETE cancels with {message}, model-config in cents', async () => {
    const file = await upload(client, [
      { custom_id: 'e-1', method: 'POST', url: '/v1/embeddings', body: { model: 'mock-embedding', input: 'hello' } },
    ]);
    const res = await rest('/v1/batches', { method: 'POST', body: JSON.stringify({ input_file_id: file.id }) });
    expect(res.status).toBe(200);
    const batch = await res.json();
    expect(batch).toMatchObject({ endpoint: '/v1/embeddings', completion_window: '24h' });
    const done = await untilStatus(client, batch.id, ['completed'], 30_000);
    const [line] = await readJsonl(client, done.output_file_id);
    expect(line!.response!.body.data[0].embedding).toHaveLength(8);

    const slowFile = await upload(
      client,
      Array.from({ length: 3 }, (_, i) => chatLine(`d-${i}`, 'x')),
    );
    const toDelete = await (
      await rest('/v1/batches', { method: 'POST', body: JSON.stringify({ input_file_id: slowFile.id }) })
    ).json();
    const deleted = await rest(`/v1/batches/${toDelete.id}`, { method: 'DELETE' });
    if (deleted.status === 200) {
      expect(await deleted.json()).toMatchObject({ message: expect.stringContaining(toDelete.id) });
      expect(['cancelling', 'cancelled']).toContain((await client.batches.retrieve(toDelete.id)).status);
    } else {
      expect(deleted.status).toBe(409); // it already finished: cancelling a terminal batch is a conflict
    }

    const config = await (await rest('/v1/model-config')).json();
    const chat = config.active_models.find((m: { id: string }) => m.id === 'mock-chat');
    expect(chat).toMatchObject({
      input_price_cents: 15,
      output_price_cents: 60,
      context_length: 128000,
      model_code: 'mock-chat',
    });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['mock-chat', 'mock-embedding']);
  });
});

describe('validation', () => {
  const createFrom = async (
    content: string,
    purpose: 'batch' | 'user_data' = 'batch',
    endpoint = '/v1/chat/completions',
  ) => {
    const file = await uploadLines(client, content, 'in.jsonl', purpose);
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: endpoint as never,
      completion_window: '24h',
    });
    return untilStatus(client, batch.id, ['failed', 'in_progress', 'completed'], 30_000);
  };
  const good = (id: string) => JSON.stringify(chatLine(id, 'fine'));

  it.each([
    ['a line that is not JSON', `${good('a')}\n{not json\n`, 'invalid_json_line', 2],
    [
      'a missing custom_id',
      `${JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'mock-chat' } })}\n`,
      'missing_custom_id',
      1,
    ],
    ['a duplicate custom_id', `${good('a')}\n${good('b')}\n${good('a')}\n`, 'duplicate_custom_id', 3],
    ['a method other than POST', `${JSON.stringify({ ...chatLine('a', 'x'), method: 'GET' })}\n`, 'invalid_method', 1],
    [
      'a url that is not the endpoint',
      `${good('a')}\n${JSON.stringify({ ...chatLine('b', 'x'), url: '/v1/embeddings' })}\n`,
      'mismatched_endpoint',
      2,
    ],
    ['a body that is not an object', `${JSON.stringify({ ...chatLine('a', 'x'), body: [1] })}\n`, 'invalid_body', 1],
    ['an unknown model', `${good('a')}\n${JSON.stringify(chatLine('b', 'x', {}, 'gpt-9'))}\n`, 'model_not_found', 2],
    ['an empty file', '\n\n', 'empty_file', null],
  ])('fails the batch on %s, naming the line, and runs nothing', async (_name, content, code, line) => {
    const batch = await createFrom(content);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).toEqual(expect.any(Number));
    expect(batch.errors?.data).toContainEqual(expect.objectContaining({ code, line }));
    expect(batch.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
    expect(batch.output_file_id).toBeNull();
  });

  it('fails a file with more lines than maxRequestsPerBatch', async () => {
    const small = await startGateway({ config: { limits: { maxRequestsPerBatch: 3 } } });
    try {
      const c = small.openai((await small.tenant()).key);
      const file = await upload(
        c,
        Array.from({ length: 4 }, (_, i) => chatLine(`m-${i}`, 'x')),
      );
      const batch = await c.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      const failed = await untilStatus(c, batch.id, ['failed', 'completed'], 30_000);
      expect(failed.status).toBe('failed');
      expect(failed.errors?.data?.[0]).toMatchObject({ code: 'too_many_lines', line: 4 });
    } finally {
      await small.close();
    }
  });

  it('fails a batch whose input file has the wrong purpose', async () => {
    const batch = await createFrom(`${good('a')}\n`, 'user_data');
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.[0]).toMatchObject({ code: 'invalid_file_purpose', param: 'input_file_id' });
  });

  it('rejects bad create requests with 400/404 before anything is stored', async () => {
    const file = await upload(client, [chatLine('a', 'x')]);
    const base = { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' };
    const bad = async (body: Record<string, unknown>, status: number, param: string | null) => {
      const res = await rest('/v1/batches', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(status);
      const json = await res.json();
      expect(json.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(json.error.message).toEqual(expect.any(String));
    };
    await bad({ ...base, endpoint: '/v1/images' }, 400, 'endpoint');
    await bad({ ...base, completion_window: '48h' }, 400, 'completion_window');
    await bad(
      { ...base, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      400,
      'metadata',
    );
    await bad(
      { ...base, metadata: { ['k'.repeat(65)]: 'v' } },
      400,
      'metadata.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk',
    );
    await bad({ ...base, metadata: { k: 'v'.repeat(513) } }, 400, 'metadata.k');
    await bad({ endpoint: '/v1/chat/completions' }, 400, 'input_file_id');
    await bad({ ...base, input_file_id: 'file-doesnotexist' }, 404, 'input_file_id');
    const malformed = await rest('/v1/batches', { method: 'POST', body: '{"input_file_id": ' });
    expect(malformed.status).toBe(400);
    await expect(client.batches.retrieve("batch_1'; drop table batches; --")).rejects.toMatchObject({ status: 404 });
  });

  it('names a bad field in the message as in param, the way the request spells it', async () => {
    const file = await upload(client, [chatLine('a', 'x')]);
    const base = { input_file_id: file.id, endpoint: '/v1/chat/completions' };
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { endpoint: '/v1/chat/completions' },
        'input_file_id',
        "Invalid 'input_file_id': give exactly one of an input file id or inline requests",
      ],
      [
        { ...base, output_expires_after: { anchor: 'created_at', seconds: 60 } },
        'output_expires_after.seconds',
        "Invalid 'output_expires_after.seconds': must be at least 3600 (one hour)",
      ],
      [
        { ...base, output_expires_after: { seconds: 3600 } },
        'output_expires_after.anchor',
        "Invalid 'output_expires_after.anchor': must be 'created_at'",
      ],
      [
        { ...base, completion_window: '48h' },
        'completion_window',
        "Invalid 'completion_window': only '24h' is supported",
      ],
      [{ ...base, job_name: 'j'.repeat(257) }, 'job_name', "Invalid 'job_name': is at most 256 characters"],
      // The client's own metadata keys are kept as sent.
      [
        { ...base, metadata: { myKey: 'v'.repeat(513) } },
        'metadata.myKey',
        "Invalid 'metadata.myKey': metadata values are at most 512 characters",
      ],
    ];
    for (const [body, param, message] of cases) {
      const res = await rest('/v1/batches', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, param).toBe(400);
      expect((await res.json()).error).toEqual({ type: 'invalid_request_error', param, message, code: null });
    }
  });
});

describe('tenancy', () => {
  it("keeps one project's files and batches invisible to another", async () => {
    const alice = gw.openai((await gw.tenant()).key);
    const bob = gw.openai((await gw.tenant()).key);
    const file = await upload(alice, [chatLine('a', 'x')]);
    const batch = await alice.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await expect(bob.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.batches.cancel(batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      bob.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 404 });
    const bobResults = await fetch(`${gw.url}/v1/batches/${batch.id}/results`, {
      headers: { authorization: `Bearer ${(bob as unknown as { apiKey: string }).apiKey}` },
    });
    expect(bobResults.status).toBe(404);
    expect((await bob.files.list()).data).toEqual([]);
    expect((await bob.batches.list()).data).toEqual([]);
    expect((await alice.batches.list()).data.map((b) => b.id)).toContain(batch.id);
  });

  it('shares objects between keys of the same project, and stops a revoked key', async () => {
    const first = await gw.tenant('team-x');
    const second = await gw.tenant('team-x');
    expect(second.project).toBe('team-x');
    const file = await upload(gw.openai(first.key), [chatLine('a', 'x')]);
    expect((await gw.openai(second.key).files.retrieve(file.id)).id).toBe(file.id);
    const revoke = await rest(`/admin/keys/${first.id}`, { method: 'DELETE' }, 'test-admin-key-0123456789abcdef');
    expect(revoke.status).toBe(200);
    await expect(gw.openai(first.key).files.list()).rejects.toMatchObject({ status: 401 });
  });

  it('keeps /admin for the admin key', async () => {
    const res = await rest('/admin/keys', { method: 'POST', body: JSON.stringify({ name: 'x' }) });
    expect(res.status).toBe(403);
    const list = await rest('/admin/keys', {}, 'test-admin-key-0123456789abcdef');
    const body = await list.json();
    expect(body.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toContain('bg-');
  });
});
