// Provider limits as one gateway process shares them (on either database): alone, it takes the
// whole of each limit; when an earlier member of the deployment takes the only unit of a limit, it
// sends nothing more, hands its chunks back unsent, and finishes them once the limit is its own
// again — every line sent exactly once.
import { sql } from 'drizzle-orm';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, rows } from '../../src/db/client.js';
import { heartbeat, LIVE_HEARTBEATS, leave } from '../../src/engine/membership.js';
import { submit, untilTerminal } from '../support/batches.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { faultLine } from '../support/fake-gateway.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { FAST_WORKER, startGateway, type TestGateway } from '../support/gateway.js';
import { mostInWindow, peakConcurrency } from '../support/upstream-load.js';
import { waitFor } from '../support/wait.js';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

const sentFor = (prefix: string) => upstream.log.filter((r) => r.tag.startsWith(prefix));

describe('a gateway alone', () => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        providers: {
          wide: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 8, maxRetries: 0 },
          paced: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 8, maxRetries: 0, rpm: 600 },
        },
        models: { 'wide-chat': { provider: 'wide' }, 'paced-chat': { provider: 'paced' } },
      },
    });
    client = gw.openai((await gw.tenant()).key);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('uses the whole maxConcurrency of a provider', async () => {
    const lines = Array.from({ length: 48 }, (_, i) => faultLine(`alone-wide-${i}`, 'latency:300', 'wide-chat'));
    const batch = await untilTerminal(client, (await submit(client, lines)).id);
    expect(batch.request_counts).toEqual({ total: 48, completed: 48, failed: 0 });
    expect(peakConcurrency(sentFor('alone-wide-'))).toBe(8);
  });

  it('uses the whole rpm of a provider, and no more', async () => {
    // rpm 600: ten a second, after a first second's worth at once.
    const lines = Array.from({ length: 60 }, (_, i) => faultLine(`alone-paced-${i}`, 'ok', 'paced-chat'));
    const batch = await untilTerminal(client, (await submit(client, lines)).id);
    expect(batch.request_counts).toEqual({ total: 60, completed: 60, failed: 0 });
    const most = mostInWindow(sentFor('alone-paced-'), 2000);
    // At most the first second's 10 + 20 in two seconds (+5 for arrival jitter on a loaded
    // machine); half the rpm would allow only 5 + 10.
    expect(most).toBeLessThanOrEqual(35);
    expect(most).toBeGreaterThan(20);
  });
});

describe('a gateway whose share of a limit drops to zero', () => {
  let testDb: TestDatabase;
  let database: Database;
  let gw: TestGateway;
  let client: OpenAI;
  let phantomProviders: string[] = [];
  let phantomBeat: NodeJS.Timeout | undefined;
  const liveMs = LIVE_HEARTBEATS * FAST_WORKER.heartbeatMs!;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await testDb.open();
    // Another member that joined first and, for now, has no `narrow` provider.
    await heartbeat(database, 'earlier-member', phantomProviders, liveMs);
    phantomBeat = setInterval(() => void heartbeat(database, 'earlier-member', phantomProviders, liveMs), 150);
    gw = await startGateway({
      database: testDb,
      config: {
        providers: { narrow: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 1, maxRetries: 0 } },
        models: { 'narrow-chat': { provider: 'narrow' } },
      },
    });
    client = gw.openai((await gw.tenant()).key);
  });
  afterAll(async () => {
    clearInterval(phantomBeat);
    await gw?.close();
    await testDb?.drop();
  });

  /** Chunks of the batch leased to a worker right now. */
  const leased = async (batchId: string) => {
    const [row] = await rows<{ n: number }>(
      gw.deps.db,
      sql`select count(*)::int as n from batch_chunks where batch_id = ${batchId} and lease_owner is not null`,
    );
    return row!.n;
  };

  it('hands its chunks back unsent, then finishes them when the limit is its own again', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => faultLine(`narrow-${i}`, 'latency:40', 'narrow-chat'));
    const { id } = await submit(client, lines);
    await waitFor(() => sentFor('narrow-').length >= 3, { what: 'the first requests' });

    // The earlier member takes the provider: its limit of 1 is now all the earlier member's.
    phantomProviders = ['narrow'];
    await waitFor(async () => (await leased(id)) === 0, {
      timeoutMs: 15_000,
      what: 'every chunk handed back',
    });
    const sentWhenHandedBack = sentFor('narrow-').length;
    expect(sentWhenHandedBack).toBeLessThan(80);
    const during = await client.batches.retrieve(id);
    expect(during.status).toBe('in_progress');
    // Nothing is sent while the share is zero (a few heartbeats).
    await new Promise((resolve) => setTimeout(resolve, 4 * FAST_WORKER.heartbeatMs!));
    expect(sentFor('narrow-').length).toBe(sentWhenHandedBack);

    // The earlier member leaves: the whole limit is this gateway's again.
    clearInterval(phantomBeat);
    await leave(database, 'earlier-member');
    const batch = await untilTerminal(client, id);
    expect(batch.request_counts).toEqual({ total: 80, completed: 80, failed: 0 });
    const attempts = [...upstream.attempts].filter(([tag]) => tag.startsWith('narrow-'));
    expect(attempts).toHaveLength(80);
    expect(attempts.every(([, n]) => n === 1)).toBe(true);
    expect(peakConcurrency(sentFor('narrow-'))).toBe(1);
  });
});
