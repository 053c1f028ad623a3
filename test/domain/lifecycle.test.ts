// Use cases and lifecycle transitions driven directly, with a fixed clock: every time they stamp
// is the clock's, a batch expires when the clock passes its expires_at (no SQL, no waiting), and
// each transition is guarded by the status it starts from.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { batches } from '../../src/db/tables/batches.js';
import { cancelBatch } from '../../src/domain/batches/cancel-batch.js';
import { createBatch } from '../../src/domain/batches/create-batch.js';
import { cancel, expireDue, start } from '../../src/domain/batches/lifecycle.js';
import { adminCaller } from '../../src/domain/caller.js';
import type { Deps } from '../../src/domain/deps.js';
import { AppError } from '../../src/domain/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { domainDeps, FixedClock } from '../support/deps.js';
import { chatLine } from '../support/jsonl.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = new Date('2030-01-01T00:00:00.000Z');

let testDb: TestDatabase;
let database: Database;
let deps: Deps & { events: { close(): Promise<void> } };
const clock = new FixedClock(T0);

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await testDb.open();
  deps = await domainDeps(database, clock);
});
afterAll(async () => {
  await deps?.events.close();
  await testDb?.drop();
});

const unix = (date: Date) => Math.floor(date.getTime() / 1000);
const rowOf = async (id: string) => (await deps.db.select().from(batches).where(eq(batches.id, id)))[0]!;
const newBatch = () =>
  createBatch(deps, adminCaller, { requests: [chatLine('a', 'hello')], endpoint: '/v1/chat/completions' });

describe('a batch over time, by the clock', () => {
  it('is created at the clock time and expires one completion window later', async () => {
    const batch = await newBatch();
    expect(batch.createdAt).toBe(unix(clock.now()));
    expect(batch.expiresAt).toBe(unix(clock.now()) + DAY_MS / 1000);
    expect(batch.status).toBe('validating');
  });

  it('expires when the clock passes expires_at, not before, stamped with the clock', async () => {
    const batch = await newBatch();
    clock.advance(DAY_MS - 1000);
    await expireDue(deps);
    expect((await rowOf(batch.id)).status).toBe('validating');
    clock.advance(2000);
    await expireDue(deps);
    const expired = await rowOf(batch.id);
    expect(expired.status).toBe('expired');
    expect(expired.expiredAt?.getTime()).toBe(clock.now().getTime());
  });

  it('cancels a validating batch on the spot, stamped with the clock; a second cancel is a conflict', async () => {
    const batch = await newBatch();
    clock.advance(5000);
    const cancelled = await cancelBatch(deps, adminCaller, { id: batch.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelledAt: unix(clock.now()) });
    await expect(cancelBatch(deps, adminCaller, { id: batch.id })).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === 'conflict',
    );
  });

  it('guards each transition by where it starts: only the validation lease holder starts a batch', async () => {
    const batch = await newBatch();
    await deps.db.update(batches).set({ leaseOwner: 'worker-a' }).where(eq(batches.id, batch.id));
    const run = { endpoint: '/v1/chat/completions', total: 1, model: null, provider: null, nativeParts: [] };
    expect(await start(deps, batch.id, 'worker-b', run)).toBeNull();
    const started = await start(deps, batch.id, 'worker-a', run);
    expect(started).toMatchObject({ status: 'in_progress', inProgressAt: clock.now() });
    expect(await start(deps, batch.id, 'worker-a', run)).toBeNull();
    const cancelling = await cancel(deps, batch.id);
    expect(cancelling).toMatchObject({ status: 'cancelling', cancellingAt: clock.now() });
    expect(await cancel(deps, batch.id)).toBeNull();
  });
});
