// Files over GraphQL: uploads with the multipart request spec (streamed, byte-exact, size limit,
// CSRF header), Relay pages, delete, and GraphiQL for a browser.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { type Connection, gql, uploadMultipart } from './helpers.js';

const LIMIT = 1024 * 1024;
let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startGateway({ config: { limits: { maxFileBytes: LIMIT } } });
  key = (await gw.tenant()).key;
});
afterAll(() => gw?.close());

const FILES = '{ files { edges { node { id } } } }';
const fileIds = async (tenantKey: string) =>
  (await gql(gw.url, tenantKey, FILES)).body.data!.files.edges.map(
    (e: { node: { id: string } }) => e.node.id,
  ) as string[];

describe('files over GraphQL', () => {
  it('uploads with the multipart request spec and stores exactly the bytes sent', async () => {
    const content = randomBytes(LIMIT); // exactly at the limit, several storage chunks' worth of multipart
    const res = await uploadMultipart(gw.url, key, content, 'blob.bin', 'user_data');
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const file = res.body.data!.uploadFile;
    expect(file).toMatchObject({ filename: 'blob.bin', purpose: 'user_data', bytes: LIMIT });
    expect(file.id).toMatch(/^file-/);
    expect(Math.abs(Date.parse(file.createdAt) - Date.now())).toBeLessThan(60_000);

    const download = await fetch(`${gw.url}/v1/files/${file.id}/content`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    const read = await gql(gw.url, key, 'query($id: ID!) { file(id: $id) { id filename purpose bytes createdAt } }', {
      id: file.id,
    });
    expect(read.body.data!.file).toEqual(file);
  });

  it('rejects a file over the size limit with PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const tenant = (await gw.tenant()).key;
    const res = await uploadMultipart(gw.url, tenant, randomBytes(LIMIT + 1), 'big.bin');
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]).toMatchObject({ path: ['uploadFile'], extensions: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await fileIds(tenant)).toEqual([]);
  });

  it('needs a CSRF preflight header on multipart requests', async () => {
    const tenant = (await gw.tenant()).key;
    const refused = await uploadMultipart(gw.url, tenant, 'x\n', 'x.jsonl', 'batch', {});
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(refused.body.errors?.[0]?.message).toMatch(/x-graphql-yoga-csrf/);
    expect(await fileIds(tenant)).toEqual([]);

    const accepted = await uploadMultipart(gw.url, tenant, 'x\n', 'x.jsonl', 'batch', {
      'apollo-require-preflight': 'true',
    });
    expect(accepted.body.data?.uploadFile).toMatchObject({ bytes: 2 });

    const form = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: '{ models { id } }' }),
    });
    expect(form.status).toBe(400);
  });

  it('rejects an unknown purpose and malformed multipart requests without storing anything', async () => {
    const tenant = (await gw.tenant()).key;
    const badPurpose = await uploadMultipart(gw.url, tenant, 'x\n', 'x.jsonl', 'nonsense');
    expect(badPurpose.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', param: 'purpose' });

    const form = new FormData();
    form.append('operations', '{not json');
    form.append('map', '{}');
    const malformed = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant}`, 'x-graphql-yoga-csrf': '1' },
      body: form,
    });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).errors[0].message).toMatch(/operations/);

    const noFile = new FormData();
    noFile.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: Upload!) { uploadFile(file: $f, purpose: "batch") { id } }',
        variables: { f: null },
      }),
    );
    noFile.append('map', JSON.stringify({ 0: ['variables.f'] }));
    const missing = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant}`, 'x-graphql-yoga-csrf': '1' },
      body: noFile,
    });
    expect((await missing.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await fileIds(tenant)).toEqual([]);
  });

  it('pages through files newest first, filters by purpose, and never skips or repeats', async () => {
    const tenant = (await gw.tenant()).key;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await uploadMultipart(gw.url, tenant, `line ${i}\n`, `f${i}.jsonl`, i % 2 ? 'user_data' : 'batch');
      ids.push(res.body.data!.uploadFile.id);
    }
    const page = (after: string | null, purpose?: string) =>
      gql(
        gw.url,
        tenant,
        'query($after: String, $purpose: String) { files(first: 3, after: $after, purpose: $purpose) { edges { cursor node { id filename } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
        { after, purpose },
      );
    const seen: string[] = [];
    const hasNext: boolean[] = [];
    let after: string | null = null;
    do {
      const { edges, pageInfo }: Connection = (await page(after)).body.data!.files;
      seen.push(...edges.map((e) => e.node.id));
      hasNext.push(pageInfo.hasNextPage);
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(hasNext).toEqual([true, true, false]);
    expect(seen).toEqual([...ids].reverse());

    const batchOnly = (await page(null, 'batch')).body.data!.files;
    expect(batchOnly.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[6], ids[4], ids[2]]);
    expect(batchOnly.pageInfo.hasNextPage).toBe(true);
  });

  it('deletes a file: gone from file(id) and files, and a second delete is NOT_FOUND', async () => {
    const id = (await uploadMultipart(gw.url, key, 'x\n', 'gone.jsonl')).body.data!.uploadFile.id;
    const del = 'mutation($id: ID!) { deleteFile(id: $id) }';
    expect((await gql(gw.url, key, del, { id })).body).toEqual({ data: { deleteFile: true } });
    expect((await gql(gw.url, key, 'query($id: ID!) { file(id: $id) { id } }', { id })).body).toEqual({
      data: { file: null },
    });
    expect(await fileIds(key)).not.toContain(id);
    const again = await gql(gw.url, key, del, { id });
    expect(again.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('serves GraphiQL to a browser on GET /graphql without a key', async () => {
    const res = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/graphiql/i);
  });
});
