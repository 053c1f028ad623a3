// File retention as OpenAI has it: `expires_after` on upload and `output_expires_after` on batch
// create (REST through the openai SDK, GraphQL, tRPC), files that disappear at `expires_at` (moved
// there with the gateway's clock), the sweep that frees their bytes, and the purge of a finished
// batch's request rows once its output and error files are gone (deleted or expired).
import { count, eq } from 'drizzle-orm';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchRequests } from '../../src/db/tables/batch-requests.js';
import { fileChunks, files } from '../../src/db/tables/files.js';
import { gql } from '../graphql/helpers.js';
import { submit, untilTerminal, upload } from '../support/batches.js';
import { MovableClock } from '../support/clock.js';
import { MOCK_CONFIG, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine, toJsonl } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { trpcClient } from '../trpc/client.js';

const HOUR = 3600;
const clock = new MovableClock();
let gw: TestGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  gw = await startGateway({
    clock,
    config: {
      // `flaky-chat` answers about half of its lines with a 500, so a batch gets both files.
      providers: { ...MOCK_CONFIG.providers, flaky: { type: 'mock', failureRate: 0.5, maxRetries: 0 } },
      models: { ...MOCK_CONFIG.models, 'flaky-chat': { provider: 'flaky' } },
    },
  });
  key = (await gw.tenant()).key;
  client = gw.openai(key);
});
afterAll(() => gw?.close());

const rest = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

const lines = (n: number, model = 'mock-chat') =>
  Array.from({ length: n }, (_, i) => chatLine(`r${i}`, `hello ${i}`, {}, model));

const expiring = (seconds: number) => ({ anchor: 'created_at' as const, seconds });

/** The stored chunks of a file and whether its row is marked deleted. */
async function stored(fileId: string) {
  const [chunks] = await gw.deps.db.select({ n: count() }).from(fileChunks).where(eq(fileChunks.fileId, fileId));
  const [row] = await gw.deps.db.select({ deletedAt: files.deletedAt }).from(files).where(eq(files.id, fileId));
  return { chunks: chunks!.n, deleted: row?.deletedAt != null };
}

const requestRows = async (batchId: string) =>
  (await gw.deps.db.select({ n: count() }).from(batchRequests).where(eq(batchRequests.batchId, batchId)))[0]!.n;

/**
 * Upload through the REST multipart form as OpenAI's SDKs send it, with raw `expires_after[…]` parts
 * (`late` ones after the file part).
 */
async function uploadForm(fields: Record<string, string>, late: Record<string, string> = {}) {
  const form = new FormData();
  form.append('purpose', 'batch');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob(['{"a":1}\n']), 'in.jsonl');
  for (const [name, value] of Object.entries(late)) form.append(name, value);
  return fetch(`${gw.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
}

describe('expires_after on upload', () => {
  it('sets expires_at, and the file is gone for every API once the clock passes it; a sweep frees its bytes', async () => {
    const file = await client.files.create({
      file: await toFile(Buffer.from(toJsonl(lines(2))), 'in.jsonl'),
      purpose: 'batch',
      expires_after: expiring(HOUR),
    });
    expect(file.expires_at).toBe(file.created_at + HOUR);
    expect(await client.files.retrieve(file.id)).toEqual(file);
    const kept = await upload(client, '{}\n', 'kept.jsonl');
    expect(kept.expires_at).toBeNull();

    clock.advance((HOUR - 60) * 1000);
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);
    clock.advance(60 * 1000);
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    expect((await rest(`/v1/files/${file.id}/content`)).status).toBe(404);
    const listed: string[] = [];
    for await (const f of client.files.list()) listed.push(f.id);
    expect(listed).toContain(kept.id);
    expect(listed).not.toContain(file.id);
    await expect(client.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    // A batch can no longer be created over it either.
    await expect(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 404 });

    await waitFor(
      async () => {
        const s = await stored(file.id);
        return s.deleted && s.chunks === 0;
      },
      { what: 'the expired file to be swept' },
    );
    expect(await stored(kept.id)).toEqual({ chunks: 1, deleted: false });
  });

  it('refuses an expiry policy OpenAI refuses, with a 400 naming the field, and keeps nothing', async () => {
    const before = (await client.files.list()).data.length;
    const cases: [Record<string, string>, string][] = [
      [{ 'expires_after[anchor]': 'last_active_at', 'expires_after[seconds]': '3600' }, 'expires_after.anchor'],
      [{ 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '3599' }, 'expires_after.seconds'],
      [{ 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '2592001' }, 'expires_after.seconds'],
      [{ 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '1.5' }, 'expires_after.seconds'],
      [{ 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': 'soon' }, 'expires_after.seconds'],
      [{ 'expires_after[anchor]': 'created_at' }, 'expires_after.seconds'],
    ];
    for (const [fields, param] of cases) {
      const res = await uploadForm(fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const message = expect.stringContaining(`Invalid '${param}': `);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', param, message });
    }
    const ok = await uploadForm({ 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '2592000' });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.expires_at).toBe(body.created_at + 2592000);
    expect((await client.files.list()).data.length).toBe(before + 1);
  });

  it('refuses any other expires_after field with a 400 saying how to send it, before or after the file, and keeps nothing', async () => {
    const before = (await client.files.list()).data.length;
    const cases: [Record<string, string>, Record<string, string>, string][] = [
      [{ expires_after: '{"anchor":"created_at","seconds":5}' }, {}, 'expires_after'],
      [{}, { expires_after: 'banana' }, 'expires_after'],
      [
        { 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '3600', 'expires_after[days]': '1' },
        {},
        'expires_after[days]',
      ],
      [{ 'expires_after[anchor]': 'created_at' }, { 'expires_after[]': '3600' }, 'expires_after[]'],
      [{ 'expires_after[Seconds]': '3600' }, {}, 'expires_after[Seconds]'],
    ];
    for (const [fields, late, param] of cases) {
      const res = await uploadForm(fields, late);
      expect(res.status, param).toBe(400);
      const { error } = await res.json();
      expect(error).toMatchObject({ type: 'invalid_request_error', param });
      expect(error.message).toContain("'expires_after[anchor]' and 'expires_after[seconds]'");
    }
    expect((await client.files.list()).data.length).toBe(before);
    const [uploading] = await gw.deps.db.select({ n: count() }).from(files).where(eq(files.status, 'uploading'));
    expect(uploading!.n).toBe(0);
    // Other fields the gateway does not know are still let through, as before.
    const other = await uploadForm({ note: 'x', expires_afterwards: 'soon' });
    expect(other.status).toBe(200);
    expect((await other.json()).expires_at).toBeNull();
  });
});

describe('output_expires_after on batch create', () => {
  it('stamps the output and error files; once both expire the request rows are purged and the batch stays readable', async () => {
    const file = await upload(client, lines(12, 'flaky-chat'));
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      output_expires_after: expiring(2 * HOUR),
    });
    const done = await untilTerminal(client, created.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts!.completed).toBeGreaterThan(0);
    expect(done.request_counts!.failed).toBeGreaterThan(0);
    for (const id of [done.output_file_id!, done.error_file_id!]) {
      const out = await client.files.retrieve(id);
      expect(out.expires_at).toBe(out.created_at + 2 * HOUR);
    }
    expect((await (await rest(`/v1/batches/${done.id}/results`)).json()).data).toHaveLength(12);
    expect(await requestRows(done.id)).toBe(12);

    clock.advance(2 * HOUR * 1000);
    await expect(client.files.retrieve(done.output_file_id!)).rejects.toMatchObject({ status: 404 });
    await expect(client.files.content(done.error_file_id!)).rejects.toMatchObject({ status: 404 });
    await waitFor(async () => (await requestRows(done.id)) === 0, { what: 'the request rows to be purged' });

    // Counts, usage and file ids stay; the per-line results are gone (an empty list), and so is a retry.
    expect(await client.batches.retrieve(done.id)).toEqual(done);
    const results = await (await rest(`/v1/batches/${done.id}/results`)).json();
    expect(results).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    const retry = await rest(`/v1/batches/${done.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(409);
    expect((await retry.json()).error.message).toMatch(/purged/);
    // The input file had no expiry: it is untouched.
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);
  });

  it('purges the rows when the owner deletes the last of the two files, not before', async () => {
    const done = await untilTerminal(client, (await submit(client, lines(12, 'flaky-chat'))).id);
    expect(done.output_file_id && done.error_file_id).toBeTruthy();
    expect((await client.files.retrieve(done.output_file_id!)).expires_at).toBeNull();
    await client.files.delete(done.output_file_id!);
    expect(await requestRows(done.id)).toBe(12);
    expect((await (await rest(`/v1/batches/${done.id}/results`)).json()).data).toHaveLength(12);
    await client.files.delete(done.error_file_id!);
    expect(await requestRows(done.id)).toBe(0);
    expect((await client.batches.retrieve(done.id)).request_counts).toEqual(done.request_counts);
    expect(await stored(done.error_file_id!)).toEqual({ chunks: 0, deleted: true });
  });

  it('refuses a bad output_expires_after with a 400 naming the field (in snake_case, in param and message)', async () => {
    const file = await upload(client, lines(1), 'a.jsonl');
    for (const [policy, param, message] of [
      [
        { anchor: 'created_at', seconds: 60 },
        'output_expires_after.seconds',
        "Invalid 'output_expires_after.seconds': must be at least 3600 (one hour)",
      ],
      [
        { anchor: 'expires_at', seconds: HOUR },
        'output_expires_after.anchor',
        "Invalid 'output_expires_after.anchor': must be 'created_at'",
      ],
      [{ seconds: HOUR }, 'output_expires_after.anchor', "Invalid 'output_expires_after.anchor': must be 'created_at'"],
    ] as const) {
      const res = await rest('/v1/batches', {
        method: 'POST',
        body: JSON.stringify({
          input_file_id: file.id,
          endpoint: '/v1/chat/completions',
          output_expires_after: policy,
        }),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ param, message });
    }
  });
});

describe('retention on GraphQL and tRPC', () => {
  it('GraphQL uploadFile(expiresAfter) and createBatch(outputExpiresAfter) set expiresAt; bad values are BAD_USER_INPUT', async () => {
    const form = new FormData();
    const query = `mutation($file: Upload!, $e: ExpiresAfterInput) {
      uploadFile(file: $file, purpose: "batch", expiresAfter: $e) { id createdAt expiresAt } }`;
    form.append('operations', JSON.stringify({ query, variables: { file: null, e: { seconds: 4 * HOUR } } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([toJsonl(lines(2))]), 'g.jsonl');
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-graphql-yoga-csrf': '1' },
      body: form,
    });
    const uploaded = (await res.json()).data.uploadFile;
    expect(Date.parse(uploaded.expiresAt) - Date.parse(uploaded.createdAt)).toBe(4 * HOUR * 1000);

    const create = `mutation($input: CreateBatchInput!) { createBatch(input: $input) { id } }`;
    const input = { inputFileId: uploaded.id, endpoint: '/v1/chat/completions' };
    const bad = await gql(gw.url, key, create, { input: { ...input, outputExpiresAfter: { seconds: 10 } } });
    expect(bad.body.errors?.[0]).toMatchObject({
      // GraphQL names the field as its schema does.
      message: "Invalid 'outputExpiresAfter.seconds': must be at least 3600 (one hour)",
      extensions: { code: 'BAD_USER_INPUT', param: 'outputExpiresAfter.seconds' },
    });
    const made = await gql(gw.url, key, create, { input: { ...input, outputExpiresAfter: { seconds: 5 * HOUR } } });
    const done = await untilTerminal(client, made.body.data!.createBatch.id);
    const read = await gql(gw.url, key, 'query($id: ID!) { batch(id: $id) { outputFile { createdAt expiresAt } } }', {
      id: done.id,
    });
    const out = read.body.data!.batch.outputFile;
    expect(Date.parse(out.expiresAt) - Date.parse(out.createdAt)).toBe(5 * HOUR * 1000);
  });

  it('tRPC batches.create takes outputExpiresAfter; files.get shows expiresAt', async () => {
    const trpc = trpcClient(gw.url, { key });
    const file = await upload(client, lines(2), 't.jsonl');
    const created = await trpc.batches.create.mutate({
      inputFileId: file.id,
      endpoint: '/v1/chat/completions',
      outputExpiresAfter: { anchor: 'created_at', seconds: 6 * HOUR },
    });
    const done = await untilTerminal(client, created.id);
    const out = await trpc.files.get.query({ id: done.output_file_id! });
    expect(out.expiresAt).toBe(out.createdAt + 6 * HOUR);
    await expect(
      trpc.batches.create.mutate({
        inputFileId: file.id,
        endpoint: '/v1/chat/completions',
        outputExpiresAfter: { anchor: 'created_at', seconds: 2592001 },
      }),
    ).rejects.toMatchObject({
      message: "Invalid 'outputExpiresAfter.seconds': must be at most 2592000 (30 days)",
      data: { code: 'BAD_REQUEST', param: 'outputExpiresAfter.seconds' },
    });
  });
});
