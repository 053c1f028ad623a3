// Provider limits across real worker processes on one PostgreSQL: a worker alone uses the whole
// maxConcurrency and rpm; once a second one joins and both have rebalanced, together they stay
// within each limit, half each; when one is killed the other takes the whole of each within 15 s.
// The fake upstream tells the workers apart by the API key each one's config gives it.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submit } from '../support/batches.js';
import { onPostgres } from '../support/database.js';
import { faultLine } from '../support/fake-gateway.js';
import { type FakeUpstream, startFakeUpstream, type UpstreamRequest } from '../support/fake-upstream.js';
import type { ChildGateway } from '../support/process.js';
import { mostInWindow, peakConcurrency } from '../support/upstream-load.js';
import { waitFor } from '../support/wait.js';
import { startWorkerDeployment, type WorkerDeployment } from '../support/worker-deployment.js';

const LIMIT = 8;
/** 600 a minute: 10 a second; a worker's bucket holds one second of its share. */
const RPM = 600;
/** Long enough that a worker keeps its whole concurrency share busy. */
const LATENCY = 'latency:500';

describe.skipIf(!onPostgres())('provider limits across worker processes', { timeout: 180_000 }, () => {
  let upstream: FakeUpstream;
  let deployment: WorkerDeployment;
  let client: OpenAI;
  const models = { 'wide-chat': { provider: 'wide' }, 'paced-chat': { provider: 'paced' } };
  const providers = (name = '') => ({
    wide: {
      type: 'openai',
      baseUrl: `${upstream.url}/v1`,
      apiKey: `sk-wide-${name}`,
      maxConcurrency: LIMIT,
      maxRetries: 0,
    },
    paced: {
      type: 'openai',
      baseUrl: `${upstream.url}/v1`,
      apiKey: `sk-paced-${name}`,
      maxConcurrency: LIMIT,
      rpm: RPM,
    },
  });
  const worker = (name: string) => deployment.worker({ providers: providers(name), models });

  /** How many live workers the child counted when its shares last changed. */
  const members = (child: ChildGateway) => {
    const changes = child.log
      .filter((line) => line.includes('"msg":"provider shares changed"'))
      .map((line) => JSON.parse(line) as { members: number });
    return changes.at(-1)?.members ?? 0;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    deployment = await startWorkerDeployment({ providers: providers(), models });
    client = deployment.client;
  });

  afterAll(async () => {
    await deployment?.close();
    await upstream?.close();
  });

  const sent = (provider: string, worker?: string) =>
    upstream.log.filter((r) =>
      worker
        ? r.authorization === `Bearer sk-${provider}-${worker}`
        : r.authorization?.startsWith(`Bearer sk-${provider}-`),
    );
  const after = (requests: UpstreamRequest[], t: number) => requests.filter((r) => r.at >= t);
  const before = (requests: UpstreamRequest[], t: number) => requests.filter((r) => r.at < t);

  it('share each limit while both live, and the survivor takes the whole of it within 15 s', async () => {
    const a = await worker('a');
    const wide = await submit(
      client,
      Array.from({ length: 900 }, (_, i) => faultLine(`wide-${i}`, LATENCY, 'wide-chat')),
    );
    const paced = await submit(
      client,
      Array.from({ length: 500 }, (_, i) => faultLine(`paced-${i}`, 'ok', 'paced-chat')),
    );

    // Alone, worker a uses the whole of each limit.
    await waitFor(() => peakConcurrency(sent('wide', 'a')) === LIMIT && sent('paced', 'a').length >= 40, {
      timeoutMs: 30_000,
      what: 'worker a to use the whole limits',
    });
    const joinedAt = Date.now();
    const b = await worker('b');
    // b counts a from its first heartbeat, a counts b from its next one (every 2 s): the join is
    // absorbed well within 15 s of b being up.
    await waitFor(() => members(a) === 2 && members(b) === 2, { timeoutMs: 15_000, what: 'both to count two' });
    // Requests a sent before it rebalanced (500 ms each) have ended a second later.
    const sharedFrom = Date.now() + 1000;

    await waitFor(
      () =>
        peakConcurrency(sent('wide', 'a'), sharedFrom) === LIMIT / 2 &&
        peakConcurrency(sent('wide', 'b'), sharedFrom) === LIMIT / 2 &&
        after(sent('paced'), sharedFrom).length >= 40,
      { timeoutMs: 30_000, what: 'both workers to use their shares' },
    );
    const killedAt = Date.now();
    expect(await a.kill('SIGKILL')).toBe('SIGKILL');

    // Worker b counts a dead once its heartbeat is 4 intervals old, and takes the whole limits.
    await waitFor(() => peakConcurrency(sent('wide', 'b'), killedAt) > LIMIT / 2, {
      timeoutMs: 20_000,
      what: 'the survivor to take the whole concurrency',
    });
    const tookOverMs = Date.now() - killedAt;
    await waitFor(() => mostInWindow(after(sent('paced', 'b'), killedAt), 3000) > 25, {
      timeoutMs: 20_000,
      what: 'the survivor to take the whole rpm',
    });
    await Promise.all([client.batches.cancel(wide.id), client.batches.cancel(paced.id)]);
    expect(await b.kill('SIGTERM')).toBe(0);

    // Alone, a used the whole of each limit (a half rpm share allows at most 5 + 3 × 5 in 3 s).
    expect(peakConcurrency(before(sent('wide', 'a'), joinedAt))).toBe(LIMIT);
    expect(mostInWindow(before(sent('paced', 'a'), joinedAt), 3000)).toBeGreaterThan(25);
    // Together (after one rebalance), never more than the limit, and each at most its half.
    expect(peakConcurrency(sent('wide'), sharedFrom)).toBeLessThanOrEqual(LIMIT);
    expect(peakConcurrency(sent('wide', 'a'), sharedFrom, killedAt)).toBe(LIMIT / 2);
    expect(peakConcurrency(sent('wide', 'b'), sharedFrom, killedAt)).toBe(LIMIT / 2);
    // rpm: in any 5 s, at most 10 a second plus the two buckets' first second (5 each), + 5 for
    // the jitter of arrival times on a loaded machine — before and after the kill alike.
    expect(mostInWindow(after(sent('paced'), sharedFrom), 5000)).toBeLessThanOrEqual(50 + 10 + 5);
    // The survivor's concurrency rose above its half within 15 s of the kill.
    expect(tookOverMs).toBeLessThan(15_000);
  });
});
