// Finding: a tenant key reached /admin/* through URL spellings the raw-prefix check missed
// (`/%61dmin/keys` listed every key and minted keys in other projects). Authorization now follows
// the matched route, and the key use cases refuse any caller but the admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from '../../src/domain/caller.js';
import { AppError } from '../../src/domain/errors.js';
import { createKey } from '../../src/domain/keys/create-key.js';
import { listKeys } from '../../src/domain/keys/list-keys.js';
import { revokeKey } from '../../src/domain/keys/revoke-key.js';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let tenant: { key: string; id: string; project: string };

beforeAll(async () => {
  gw = await startGateway();
  tenant = await gw.tenant();
});
afterAll(() => gw?.close());

/** Raw HTTP, so the path reaches the server exactly as spelled (fetch would normalize it). */
async function call(method: string, path: string, key: string | null, body?: unknown) {
  const { request } = await import('node:http');
  const url = new URL(gw.url);
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const SPELLINGS = [
  '/admin/keys',
  '/%61dmin/keys',
  '/%61%64%6d%69%6e/keys',
  '//admin/keys',
  '/admin//keys',
  '/admin/./keys',
  '/admin/%2e/keys',
  '/v1/../admin/keys',
  '/v1/%2e%2e/admin/keys',
];

describe('/admin/* whatever the spelling', () => {
  it.each(SPELLINGS)('refuses a tenant key on GET and POST %s (403), and no key (401)', async (path) => {
    const list = await call('GET', path, tenant.key);
    expect(list.status).toBe(403);
    expect(list.body).toMatchObject({ error: { type: 'invalid_request_error', message: expect.any(String) } });
    const mint = await call('POST', path, tenant.key, { name: 'intruder', project: 'someone-else' });
    expect(mint.status).toBe(403);
    expect((await call('GET', path, null)).status).toBe(401);
  });

  it('lets the admin key through the same spellings', async () => {
    for (const path of SPELLINGS) {
      const list = await call('GET', path, TEST_ADMIN_KEY);
      expect(list.status, path).toBe(200);
    }
  });

  it('minted no key in another project and revoked nothing', async () => {
    const { body } = await call('GET', '/admin/keys', TEST_ADMIN_KEY);
    const keys = body.data as { name: string; project: string; revoked_at: number | null }[];
    expect(keys.some((k) => k.name === 'intruder')).toBe(false);
    expect(keys.find((k) => k.project === tenant.project)?.revoked_at).toBeNull();
    expect((await call('DELETE', `/%61dmin/keys/${tenant.id}`, tenant.key)).status).toBe(403);
    expect((await call('GET', '/v1/models', tenant.key)).status).toBe(200);
  });

  it('key use cases refuse a tenant caller whatever route reached them (defence in depth)', async () => {
    const caller = { kind: 'key' as const, keyId: tenant.id, projectId: tenant.project };
    const refusals = [
      createKey(gw.deps, caller, { name: 'x', project: 'other' }),
      listKeys(gw.deps, caller),
      revokeKey(gw.deps, caller, { id: tenant.id }),
    ];
    for (const refused of refusals) {
      await expect(refused).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'forbidden');
    }
    expect((await listKeys(gw.deps, adminCaller)).length).toBeGreaterThan(0);
  });
});
