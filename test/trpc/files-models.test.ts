// files.list / get / delete and models.list through the stock @trpc/client (uploads go through REST).
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { type Client, trpcClient } from './client.js';

let gw: TestGateway;
let openai: OpenAI;
let client: Client;

beforeAll(async () => {
  gw = await startGateway();
  const { key } = await gw.tenant();
  openai = gw.openai(key);
  client = trpcClient(gw.url, { key });
});
afterAll(() => gw?.close());

const upload = async (name: string, purpose: 'batch' | 'user_data' = 'batch') =>
  openai.files.create({ file: await toFile(Buffer.from(`{"name":"${name}"}\n`), name), purpose });

describe('files over tRPC', () => {
  it('gets a file as a camelCase domain object', async () => {
    const uploaded = await upload('one.jsonl');
    expect(await client.files.get.query({ id: uploaded.id })).toEqual({
      id: uploaded.id,
      projectId: expect.any(String),
      filename: 'one.jsonl',
      purpose: 'batch',
      bytes: uploaded.bytes,
      createdAt: uploaded.created_at,
      status: 'processed',
      expiresAt: null,
    });
  });

  it('lists in cursor pages, newest first or oldest first, filtered by purpose', async () => {
    const { key } = await gw.tenant();
    const own = trpcClient(gw.url, { key });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const file = await gw
        .openai(key)
        .files.create({ file: await toFile(Buffer.from(`${i}\n`), `f${i}.jsonl`), purpose: 'batch' });
      ids.push(file.id);
    }
    await gw.openai(key).files.create({ file: await toFile(Buffer.from('x\n'), 'data.jsonl'), purpose: 'user_data' });

    const collect = async (order: 'asc' | 'desc') => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof own.files.list.query>> = await own.files.list.query({
          limit: 2,
          cursor,
          order,
          purpose: 'batch',
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await collect('desc')).toEqual([...ids].reverse());
    expect(await collect('asc')).toEqual(ids);
    expect((await own.files.list.query()).items).toHaveLength(6);
    expect((await own.files.list.query({ purpose: 'user_data' })).items.map((f) => f.filename)).toEqual(['data.jsonl']);
  });

  it('deletes a file: gone from get and list', async () => {
    const file = await upload('gone.jsonl');
    expect(await client.files.delete.mutate({ id: file.id })).toEqual({ id: file.id, deleted: true });
    await expect(client.files.get.query({ id: file.id })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    expect((await client.files.list.query()).items.map((f) => f.id)).not.toContain(file.id);
  });
});

describe('models over tRPC', () => {
  it('lists the configured models with prices, the mock ones labelled as such', async () => {
    const models = await client.models.list.query();
    expect(models.map((m) => m.id)).toEqual(['mock-chat', 'mock-embedding']);
    expect(models[0]).toMatchObject({
      provider: 'mock',
      providerKind: 'mock',
      status: 'mock',
      inputPricePerMillion: 0.15,
      outputPricePerMillion: 0.6,
      contextLength: 128000,
    });
  });
});
