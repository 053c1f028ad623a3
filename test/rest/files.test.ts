// The Files API through the official openai client: upload, list with auto-pagination, retrieve,
// byte-exact download, delete, and OpenAI-shaped errors.
import { randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startGateway({ config: { limits: { maxFileBytes: 3 * 1024 * 1024 } } });
  client = gw.openai((await gw.tenant()).key);
});
afterAll(() => gw?.close());

describe('files', () => {
  it('uploads a file and downloads exactly the same bytes, across several storage chunks', async () => {
    const content = randomBytes(2 * 1024 * 1024 + 12345);
    const file = await client.files.create({ file: await toFile(content, 'blob.bin'), purpose: 'user_data' });
    expect(file).toMatchObject({
      object: 'file',
      bytes: content.length,
      filename: 'blob.bin',
      purpose: 'user_data',
      status: 'processed',
    });
    expect(file.id).toMatch(/^file-/);
    const downloaded = Buffer.from(await (await client.files.content(file.id)).arrayBuffer());
    expect(downloaded.equals(content)).toBe(true);
    expect(await client.files.retrieve(file.id)).toEqual(file);
  });

  it('accepts purpose sent after the file part', async () => {
    const form = new FormData();
    form.append('file', new Blob(['{"a":1}\n']), 'late.jsonl');
    form.append('purpose', 'batch');
    const res = await fetch(`${gw.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY(client)}` },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ purpose: 'batch', filename: 'late.jsonl', bytes: 8 });
  });

  it('lists newest first and auto-paginates across pages with after/limit', async () => {
    const tenant = gw.openai((await gw.tenant()).key);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        (await tenant.files.create({ file: await toFile(Buffer.from(`line ${i}\n`), `f${i}.jsonl`), purpose: 'batch' }))
          .id,
      );
    }
    const seen: string[] = [];
    for await (const file of tenant.files.list({ limit: 3 })) seen.push(file.id);
    expect(seen).toEqual([...ids].reverse());
    const asc: string[] = [];
    for await (const file of tenant.files.list({ limit: 2, order: 'asc' })) asc.push(file.id);
    expect(asc).toEqual(ids);
    const page = await tenant.files.list({ limit: 3 });
    expect(page.data).toHaveLength(3);
    expect(page.has_more).toBe(true);
    const batchOnly = await tenant.files.list({ purpose: 'user_data' });
    expect(batchOnly.data).toHaveLength(0);
  });

  it('deletes a file: it is gone from retrieve, content and list', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from('x\n'), 'x.jsonl'), purpose: 'batch' });
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    const ids = (await client.files.list()).data.map((f) => f.id);
    expect(ids).not.toContain(file.id);
  });

  it('answers bad input with OpenAI-shaped errors', async () => {
    await expect(
      client.files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'nonsense' as never }),
    ).rejects.toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', param: 'purpose' },
    });
    await expect(client.files.list({ limit: 0 })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
    await expect(client.files.list({ limit: 10_001 })).rejects.toMatchObject({ status: 400 });
    await expect(client.files.retrieve("file-x' or 1=1 --")).rejects.toMatchObject({
      status: 404,
      error: { code: 'not_found' },
    });
    const tooBig = Buffer.alloc(3 * 1024 * 1024 + 1, 97);
    await expect(
      client.files.create({ file: await toFile(tooBig, 'big.jsonl'), purpose: 'batch' }),
    ).rejects.toMatchObject({ status: 413 });
    const res = await fetch(`${gw.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY(client)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.type).toBe('invalid_request_error');
  });

  it('rejects a missing or wrong key with 401', async () => {
    const anonymous = new OpenAI({ apiKey: 'bg-not-a-real-key', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expect(anonymous.files.list()).rejects.toMatchObject({ status: 401, error: { code: 'invalid_api_key' } });
    const res = await fetch(`${gw.url}/v1/files`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
  });
});

const TEST_KEY = (c: OpenAI) => (c as unknown as { apiKey: string }).apiKey;
