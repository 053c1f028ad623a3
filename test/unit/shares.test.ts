// Dividing provider limits between workers (shares.ts), what a worker takes when its heartbeats
// fail (membership.ts), and the token bucket that paces each worker's share (token-bucket.ts),
// without a database.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { Membership } from '../../src/engine/membership.js';
import { isBlocked, laneShares, type Member, shareOf } from '../../src/engine/shares.js';
import { TokenBucket } from '../../src/engine/token-bucket.js';
import { waitFor } from '../support/wait.js';

const members = (n: number, providers = ['p']): Member[] =>
  Array.from({ length: n }, (_, i) => ({ id: `w${i}`, providers }));

/** Every member's share of provider `p`. */
const sharesOf = (list: Member[], limits: { maxConcurrency: number; rpm?: number; tpm?: number }) =>
  list.map((m) => laneShares(list, m.id, { p: limits }).get('p')!);

describe('shares of a provider limit', () => {
  it('gives each worker limit ÷ workers when it divides evenly', () => {
    expect(sharesOf(members(4), { maxConcurrency: 64 }).map((s) => s.maxConcurrency)).toEqual([16, 16, 16, 16]);
    expect(sharesOf(members(3), { maxConcurrency: 3 }).map((s) => s.maxConcurrency)).toEqual([1, 1, 1]);
  });

  it('hands the remainder out one each to the earliest joined, summing to the limit exactly', () => {
    expect(sharesOf(members(3), { maxConcurrency: 8 }).map((s) => s.maxConcurrency)).toEqual([3, 3, 2]);
    for (let workers = 1; workers <= 9; workers++) {
      for (const limit of [1, 2, 5, 7, 8, 60, 601, 5000]) {
        const parts = Array.from({ length: workers }, (_, i) => shareOf(limit, i, workers));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(limit);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
        expect(parts).toEqual([...parts].sort((a, b) => b - a));
      }
    }
  });

  it('lets the first workers send when the limit is smaller than the worker count; the rest get zero', () => {
    const shares = sharesOf(members(5), { maxConcurrency: 2, rpm: 3, tpm: 1 });
    expect(shares.map((s) => s.maxConcurrency)).toEqual([1, 1, 0, 0, 0]);
    expect(shares.map((s) => s.rpm)).toEqual([1, 1, 1, 0, 0]);
    expect(shares.map((s) => s.tpm)).toEqual([1, 0, 0, 0, 0]);
    // A zero in any of the three limits blocks the worker; the first member is never blocked.
    expect(shares.map(isBlocked)).toEqual([false, true, true, true, true]);
  });

  it('keeps rpm and tpm unset when the provider sets none, and a lone worker gets the whole limit', () => {
    expect(sharesOf(members(1), { maxConcurrency: 64 })).toEqual([
      { maxConcurrency: 64, rpm: undefined, tpm: undefined },
    ]);
    expect(sharesOf(members(1), { maxConcurrency: 8, rpm: 5000, tpm: 2_000_000 })).toEqual([
      { maxConcurrency: 8, rpm: 5000, tpm: 2_000_000 },
    ]);
  });

  it('divides only between the workers that have the provider; one without it gets nothing', () => {
    const list: Member[] = [
      { id: 'a', providers: ['p', 'q'] },
      { id: 'b', providers: ['q'] },
      { id: 'c', providers: ['p'] },
    ];
    const limits = { p: { maxConcurrency: 10 }, q: { maxConcurrency: 3, rpm: 100 } };
    expect(laneShares(list, 'a', limits).get('p')!.maxConcurrency).toBe(5);
    expect(laneShares(list, 'c', limits).get('p')!.maxConcurrency).toBe(5);
    expect(isBlocked(laneShares(list, 'b', limits).get('p')!)).toBe(true);
    expect(laneShares(list, 'a', limits).get('q')).toEqual({ maxConcurrency: 2, rpm: 50, tpm: undefined });
    expect(laneShares(list, 'b', limits).get('q')).toEqual({ maxConcurrency: 1, rpm: 50, tpm: undefined });
    // A worker missing from the live list (its heartbeat lapsed) has no share of anything.
    expect(isBlocked(laneShares(list, 'gone', limits).get('q')!)).toBe(true);
  });

  it('never takes the last unit from an earlier worker when one joins at the end', () => {
    for (let limit = 1; limit <= 12; limit++) {
      for (let n = 1; n <= 12; n++) {
        for (let i = 0; i < n; i++) {
          if (shareOf(limit, i, n) > 0) expect(shareOf(limit, i, n + 1)).toBeGreaterThan(0);
        }
      }
    }
  });
});

describe('token bucket', () => {
  const signal = () => new AbortController().signal;

  it('starts with one second of budget and paces the rest at budget/60 a second', async () => {
    const bucket = new TokenBucket(600); // 10 a second
    const started = performance.now();
    for (let i = 0; i < 10; i++) await bucket.take(1, signal());
    expect(performance.now() - started).toBeLessThan(50);
    await bucket.take(5, signal());
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('keeps waiting takers in order when the budget changes, and lets them out at the new pace', async () => {
    const bucket = new TokenBucket(60); // one a second
    await bucket.take(1, signal());
    const order: number[] = [];
    const started = performance.now();
    const waiting = [1, 2, 3].map((i) => bucket.take(1, signal()).then(() => order.push(i)));
    bucket.setBudget(6000); // 100 a second: the three waiters go out in ~30 ms, not 3 s
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('lets nothing through on a zero budget until it is raised; an aborted wait leaves the queue', async () => {
    const bucket = new TokenBucket(0);
    const aborted = new AbortController();
    let passed = false;
    const first = bucket.take(1, aborted.signal);
    const second = bucket.take(1, signal()).then(() => {
      passed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(passed).toBe(false);
    aborted.abort(new Error('stop'));
    await expect(first).rejects.toThrow('stop');
    bucket.setBudget(600);
    await second;
    expect(passed).toBe(true);
    await expect(bucket.take(1, AbortSignal.abort(new Error('early')))).rejects.toThrow('early');
  });
});

describe('a worker whose heartbeats fail', () => {
  it('keeps its shares within the live window, then takes none until a heartbeat succeeds', async () => {
    let reachable = true;
    const database = {
      query: async () => {
        if (!reachable) throw new Error('connection refused');
        return [{ id: 'me', providers: ['p'] }];
      },
    } as unknown as Database;
    const limits = { p: { maxConcurrency: 8, rpm: 600 } };
    const membership = new Membership({ database, log: pino({ level: 'silent' }) }, 'me', limits, 100); // live: 400 ms
    const whole = { maxConcurrency: 8, rpm: 600, tpm: undefined };

    expect((await membership.beat())?.get('p')).toEqual(whole);
    reachable = false;
    expect(await membership.beat()).toBeUndefined();
    // Past the live window the others count it dead and divide its shares: it takes none.
    const none = await waitFor(async () => (await membership.beat())?.get('p'), { what: 'the window to pass' });
    expect(isBlocked(none)).toBe(true);
    reachable = true;
    expect((await membership.beat())?.get('p')).toEqual(whole);
  });
});
