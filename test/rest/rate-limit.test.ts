// Per-key API rate limiting on REST: over `apiRequestsPerMinutePerKey`, a tenant gets 429 with
// Retry-After and code rate_limit_exceeded; other keys and the admin key are not affected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ config: { limits: { apiRequestsPerMinutePerKey: 3 } } });
});
afterAll(() => gw?.close());

const list = (key: string) => fetch(`${gw.url}/v1/files`, { headers: { authorization: `Bearer ${key}` } });

describe('per-key rate limit', () => {
  it('answers 429 with Retry-After past the budget, per key, never for the admin', async () => {
    const { key } = await gw.tenant();
    for (let i = 0; i < 3; i++) expect((await list(key)).status).toBe(200);
    const limited = await list(key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toEqual({
      error: { message: expect.any(String), type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    const other = await gw.tenant();
    expect((await list(other.key)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await list(TEST_ADMIN_KEY)).status).toBe(200);
  });
});
