// The per-key API limit across processes: two gateways on one PostgreSQL database spend one
// budget per key (REST, GraphQL and tRPC alike); a window ends a minute after it opened, by the
// gateways' clock. On PGlite (one process) the budget is counted in memory, with the same window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../graphql/helpers.js';
import { MovableClock } from '../support/clock.js';
import { onPostgres } from '../support/database.js';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { trpcClient } from '../trpc/client.js';

const LIMIT = 5;
const clock = new MovableClock();
let first: TestGateway;
let second: TestGateway | undefined;

beforeAll(async () => {
  const config = { limits: { apiRequestsPerMinutePerKey: LIMIT } };
  first = await startGateway({ config, clock });
  if (onPostgres()) second = await startGateway({ config, clock, role: 'api', database: first.testDb });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const list = (gw: TestGateway, key: string) =>
  fetch(`${gw.url}/v1/files`, { headers: { authorization: `Bearer ${key}` } });

describe('per-key API limit', () => {
  it.skipIf(!onPostgres())('is one budget for every api process on one PostgreSQL, on every face', async () => {
    const { key } = await first.tenant();
    const other = second!;
    for (let i = 0; i < 2; i++) expect((await list(first, key)).status).toBe(200);
    expect((await list(other, key)).status).toBe(200);
    expect((await gql(other.url, key, '{ models { id } }')).status).toBe(200);
    expect(await trpcClient(first.url, { key }).models.list.query()).not.toHaveLength(0);

    // Five spent across two processes and three faces: the sixth is refused on both.
    const refused = await list(other, key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(40);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await refused.json()).error.code).toBe('rate_limit_exceeded');
    expect((await list(first, key)).status).toBe(429);
    expect((await gql(first.url, key, '{ models { id } }')).body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    await expect(trpcClient(other.url, { key }).models.list.query()).rejects.toMatchObject({
      data: { code: 'TOO_MANY_REQUESTS' },
    });

    // Other keys and the admin key are not touched.
    expect((await list(other, (await first.tenant()).key)).status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await list(other, TEST_ADMIN_KEY)).status).toBe(200);

    clock.advance(30_000);
    expect(Number((await list(first, key)).headers.get('retry-after'))).toBeLessThanOrEqual(30);
    clock.advance(30_000);
    expect((await list(other, key)).status).toBe(200);
    for (let i = 1; i < LIMIT; i++) expect((await list(first, key)).status).toBe(200);
    expect((await list(other, key)).status).toBe(429);
  });

  it('opens a new window a minute after the first request of the last one', async () => {
    const { key } = await first.tenant();
    for (let i = 0; i < LIMIT; i++) expect((await list(first, key)).status).toBe(200);
    expect((await list(first, key)).status).toBe(429);
    clock.advance(45_000);
    const late = await list(first, key);
    expect(late.status).toBe(429);
    expect(Number(late.headers.get('retry-after'))).toBeLessThanOrEqual(15);
    clock.advance(15_000);
    for (let i = 0; i < LIMIT; i++) expect((await list(first, key)).status).toBe(200);
    expect((await list(first, key)).status).toBe(429);
  });
});
