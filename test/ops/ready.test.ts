// GET /ready: 200 with no key when the database answers and the worker loops come round; 503 when
// a worker loop has stalled (on PostgreSQL: its claim statement blocked behind a table lock), and
// 200 again as soon as it moves. Liveness itself, on a fixed clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Liveness } from '../../src/observability/liveness.js';
import { onPostgres } from '../support/database.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

describe('GET /ready', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ stallAfterMs: 1000 });
  });
  afterAll(() => gw?.close());

  const ready = async () => {
    const res = await fetch(`${gw.url}/ready`);
    return { status: res.status, body: await res.json() };
  };

  it('answers 200 {status:"ready", database:"ok"} without a key', async () => {
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', database: 'ok' } });
  });

  it.skipIf(!onPostgres())('answers 503 while a worker loop is stuck, and 200 once it moves again', async () => {
    const locker = await gw.testDb.open(1);
    if (locker.driver.kind !== 'postgres') throw new Error('expected PostgreSQL');
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = locker.driver.sql.begin(async (tx) => {
      await tx`lock table batches in access exclusive mode`;
      await released;
    });
    try {
      const stalled = await waitFor(
        async () => {
          const answer = await ready();
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 15_000, what: '/ready to report the stalled claim loop' },
      );
      expect(stalled.body).toEqual({
        status: 'unavailable',
        database: 'ok',
        worker: 'stalled',
        stalled_loops: ['claim'],
      });
    } finally {
      release();
      await holding;
      await locker.close();
    }
    await waitFor(async () => (await ready()).status === 200, { what: '/ready to recover' });
  });
});

describe('Liveness', () => {
  it('reports a loop stalled once it has been silent longer than the limit, and only then', () => {
    let now = 0;
    const liveness = new Liveness(1000, () => now);
    expect(liveness.stalled()).toEqual([]);
    liveness.tick('claim');
    liveness.tick('writer');
    now = 1000;
    expect(liveness.stalled()).toEqual([]);
    liveness.tick('writer');
    now = 1500;
    expect(liveness.stalled()).toEqual(['claim']);
    liveness.clear();
    expect(liveness.stalled()).toEqual([]);
  });
});
