// How tRPC clients see failures: NOT_FOUND, BAD_REQUEST (zod and domain validation), UNAUTHORIZED,
// CONFLICT, TOO_MANY_REQUESTS; and tenancy: another project's batches and files are NOT_FOUND on
// every procedure, the subscription included, and never listed.
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/transports/trpc/router.js';
import { upload } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { type Client, follow, trpcClient } from './client.js';

let gw: TestGateway;
let key: string;
let client: Client;
let fileId: string;

beforeAll(async () => {
  gw = await startGateway();
  key = (await gw.tenant()).key;
  client = trpcClient(gw.url, { key });
  fileId = (await upload(gw.openai(key), [chatLine('a', 'hello')])).id;
});
afterAll(() => gw?.close());

/** The error a call failed with, as the client sees it. */
async function failure(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

const code = async (call: Promise<unknown>) => (await failure(call)).data?.code;

describe('NOT_FOUND', () => {
  it('answers a missing batch or file id with NOT_FOUND (404) on every procedure', async () => {
    const missing = await failure(client.batches.get.query({ id: 'batch_missing' }));
    expect(missing.message).toBe("No batch found with id 'batch_missing'.");
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, path: 'batches.get' });
    expect(await code(client.batches.cancel.mutate({ id: 'batch_missing' }))).toBe('NOT_FOUND');
    expect(await code(follow(client, { id: 'batch_missing' }).done)).toBe('NOT_FOUND');
    expect(await code(client.files.get.query({ id: 'file-missing' }))).toBe('NOT_FOUND');
    expect(await code(client.files.delete.mutate({ id: 'file-missing' }))).toBe('NOT_FOUND');
    const noFile = await failure(
      client.batches.create.mutate({ inputFileId: 'file-missing', endpoint: '/v1/embeddings' }),
    );
    expect(noFile.data).toMatchObject({ code: 'NOT_FOUND', param: 'inputFileId' });
  });
});

describe('BAD_REQUEST', () => {
  it('rejects input that fails the zod schemas, naming the parameter', async () => {
    const endpoint = await failure(
      client.batches.create.mutate({ inputFileId: fileId, endpoint: '/v1/images' as never }),
    );
    expect(endpoint.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, param: 'endpoint' });
    expect(endpoint.message).toMatch(/^Invalid 'endpoint': must be one of/);

    const window = await failure(
      client.batches.create.mutate({
        inputFileId: fileId,
        endpoint: '/v1/chat/completions',
        completionWindow: '48h' as never,
      }),
    );
    expect(window.data).toMatchObject({ code: 'BAD_REQUEST', param: 'completionWindow' });

    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    expect(
      await code(client.batches.create.mutate({ inputFileId: fileId, endpoint: '/v1/chat/completions', metadata })),
    ).toBe('BAD_REQUEST');
    const longValue = await failure(
      client.batches.create.mutate({
        inputFileId: fileId,
        endpoint: '/v1/chat/completions',
        metadata: { k: 'x'.repeat(513) },
      }),
    );
    expect(longValue.data).toMatchObject({ code: 'BAD_REQUEST', param: 'metadata.k' });
    expect(await code(client.batches.create.mutate({ endpoint: '/v1/chat/completions' }))).toBe('BAD_REQUEST');
    expect(await code(client.batches.get.query({ id: '' }))).toBe('BAD_REQUEST');
    expect(await code(client.batches.get.query({ id: 42 as never }))).toBe('BAD_REQUEST');
    expect(await code(client.batches.list.query({ limit: 1.5 }))).toBe('BAD_REQUEST');
    expect(await code(follow(client, { id: 7 as never }).done)).toBe('BAD_REQUEST');
  });

  it('rejects list limits outside the domain bounds', async () => {
    const zero = await failure(client.batches.list.query({ limit: 0 }));
    expect(zero.data).toMatchObject({ code: 'BAD_REQUEST', param: 'limit' });
    expect(await code(client.batches.list.query({ limit: 101 }))).toBe('BAD_REQUEST');
    expect(await code(client.files.list.query({ limit: 10_001 }))).toBe('BAD_REQUEST');
  });
});

describe('UNAUTHORIZED', () => {
  it('reads nothing without a key or with a wrong one, queries, mutations and subscriptions alike', async () => {
    const anonymous = trpcClient(gw.url);
    const missing = await failure(anonymous.batches.list.query());
    expect(missing.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    expect(await code(anonymous.models.list.query())).toBe('UNAUTHORIZED');
    expect(await code(anonymous.batches.create.mutate({ inputFileId: fileId, endpoint: '/v1/chat/completions' }))).toBe(
      'UNAUTHORIZED',
    );
    // Authentication comes before validation: bad input from nobody is still UNAUTHORIZED.
    expect(await code(anonymous.batches.get.query({ id: '' }))).toBe('UNAUTHORIZED');

    const wrong = trpcClient(gw.url, { key: 'bg-not-a-real-key' });
    expect(await code(wrong.files.list.query())).toBe('UNAUTHORIZED');
    const batch = await client.batches.create.mutate({ inputFileId: fileId, endpoint: '/v1/chat/completions' });
    expect(await code(follow(anonymous, { id: batch.id }).done)).toBe('UNAUTHORIZED');
    expect(await code(follow(wrong, { id: batch.id }).done)).toBe('UNAUTHORIZED');
    const viaParams = trpcClient(gw.url, { key: 'bg-not-a-real-key', sseAuth: 'connectionParams' });
    expect(await code(follow(viaParams, { id: batch.id }).done)).toBe('UNAUTHORIZED');
  });

  it('fails every call of a batched request without a key', async () => {
    const anonymous = trpcClient(gw.url);
    const results = await Promise.allSettled([
      anonymous.batches.list.query(),
      anonymous.files.list.query(),
      anonymous.models.list.query(),
    ]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason.data.code).toBe('UNAUTHORIZED');
    }
  });
});

describe('tenancy', () => {
  it('gives another project no access to a batch or file: NOT_FOUND for get, cancel, onUpdate, never listed', async () => {
    const batch = await client.batches.create.mutate({ inputFileId: fileId, endpoint: '/v1/chat/completions' });
    const other = trpcClient(gw.url, { key: (await gw.tenant()).key });

    expect(await code(other.batches.get.query({ id: batch.id }))).toBe('NOT_FOUND');
    expect(await code(other.batches.cancel.mutate({ id: batch.id }))).toBe('NOT_FOUND');
    const stream = follow(other, { id: batch.id });
    expect(await code(stream.done)).toBe('NOT_FOUND');
    expect(stream.events).toEqual([]);
    expect((await other.batches.list.query()).items).toEqual([]);

    expect(await code(other.files.get.query({ id: fileId }))).toBe('NOT_FOUND');
    expect(await code(other.files.delete.mutate({ id: fileId }))).toBe('NOT_FOUND');
    expect(await code(other.batches.create.mutate({ inputFileId: fileId, endpoint: '/v1/chat/completions' }))).toBe(
      'NOT_FOUND',
    );
    expect((await other.files.list.query()).items).toEqual([]);

    // The owner still has both, untouched.
    expect((await client.batches.get.query({ id: batch.id })).cancellingAt).toBeNull();
    expect((await client.files.get.query({ id: fileId })).id).toBe(fileId);
  });

  it('shares objects between keys of the same project', async () => {
    const first = await gw.tenant();
    const second = await gw.tenant(first.project);
    const own = trpcClient(gw.url, { key: first.key });
    const colleague = trpcClient(gw.url, { key: second.key });
    const file = await upload(gw.openai(first.key), [chatLine('a', 'hi')]);
    const batch = await own.batches.create.mutate({ inputFileId: file.id, endpoint: '/v1/chat/completions' });
    expect((await colleague.batches.get.query({ id: batch.id })).projectId).toBe(first.project);
  });
});

describe('TOO_MANY_REQUESTS', () => {
  it('rate-limits a key per HTTP request (a batched request is admitted once), with retryAfterMs', async () => {
    const limited = await startGateway({ config: { limits: { apiRequestsPerMinutePerKey: 3 } } });
    try {
      const tenant = trpcClient(limited.url, { key: (await limited.tenant()).key });
      // One HTTP request carrying three calls.
      await Promise.all([tenant.batches.list.query(), tenant.files.list.query(), tenant.models.list.query()]);
      await tenant.models.list.query();
      await tenant.models.list.query();
      const limitedError = await failure(tenant.models.list.query());
      expect(limitedError.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
      expect(limitedError.data?.retryAfterMs).toBeGreaterThan(0);
      // The admin key is never limited.
      const admin = trpcClient(limited.url, { key: limited.adminKey });
      for (let i = 0; i < 5; i++) await admin.models.list.query();
    } finally {
      await limited.close();
    }
  });
});
