// Leases racing status changes. A validation whose lease lapsed and was taken over by another
// worker: the old holder can neither start the batch nor remove the rows the new holder writes; it
// learns of the loss on its next renewal. A batch cancelled during validation loses the rows written
// for it. A worker's claim never takes chunks of a batch cancelled since it listed the running ones,
// and a cancel heard before a claimed chunk starts still aborts its lines. A worker whose lease on
// a provider batch lapsed writes nothing to it.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { claimChunks } from '../../src/db/queries/batch-requests.js';
import { leaseDueProviderBatches, markCollected, saveProviderBatch } from '../../src/db/queries/provider-batches.js';
import { batchChunks } from '../../src/db/tables/batch-chunks.js';
import { batchRequests } from '../../src/db/tables/batch-requests.js';
import { batches } from '../../src/db/tables/batches.js';
import { providerBatches } from '../../src/db/tables/provider-batches.js';
import { cancelBatch } from '../../src/domain/batches/cancel-batch.js';
import { createBatch } from '../../src/domain/batches/create-batch.js';
import { adminCaller } from '../../src/domain/caller.js';
import type { Deps } from '../../src/domain/deps.js';
import { BatchSlots } from '../../src/engine/batch-slots.js';
import { deleteBatchRows } from '../../src/engine/ingest.js';
import { leaseValidation, renewValidationLease } from '../../src/engine/maintenance.js';
import { validateBatch } from '../../src/engine/validate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { domainDeps, FixedClock } from '../support/deps.js';
import { chatLine } from '../support/jsonl.js';

const LEASE_MS = 60_000;

let testDb: TestDatabase;
let database: Database;
let deps: Deps & { events: { close(): Promise<void> } };

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await testDb.open();
  deps = await domainDeps(database, new FixedClock(new Date()));
});
afterAll(async () => {
  await deps?.events.close();
  await testDb?.drop();
});

const rowCount = async (id: string) =>
  (await deps.db.select({ n: count() }).from(batchRequests).where(eq(batchRequests.batchId, id)))[0]!.n;
const chunkCount = async (id: string) =>
  (await deps.db.select({ n: count() }).from(batchChunks).where(eq(batchChunks.batchId, id)))[0]!.n;
const statusOf = async (id: string) =>
  (await deps.db.select({ status: batches.status }).from(batches).where(eq(batches.id, id)))[0]!.status;

/** A new batch of three lines, leased for validation by `owner`. */
async function leasedBatch(owner: string) {
  const created = await createBatch(deps, adminCaller, {
    requests: [chatLine('a', 'one'), chatLine('b', 'two'), chatLine('c', 'three')],
    endpoint: '/v1/chat/completions',
  });
  // Older batches of other tests are leased first; lease until this one is ours.
  for (;;) {
    const leased = await leaseValidation(deps, owner, LEASE_MS);
    if (!leased) throw new Error('nothing to lease');
    if (leased.id === created.id) return leased;
  }
}

const lapseLease = (id: string) =>
  deps.db
    .update(batches)
    .set({ leaseExpiresAt: new Date(Date.now() - 1000) })
    .where(eq(batches.id, id));

describe('validation taken over after a lapsed lease', () => {
  it('the old holder neither starts the batch nor removes the new holder’s rows', async () => {
    const byA = await leasedBatch('worker-a');
    await lapseLease(byA.id);
    const byB = await leaseValidation(deps, 'worker-b', LEASE_MS);
    expect(byB?.id).toBe(byA.id);

    expect(await renewValidationLease(deps, 'worker-a', byA.id, LEASE_MS)).toBe(false);
    expect(await renewValidationLease(deps, 'worker-b', byA.id, LEASE_MS)).toBe(true);

    // A, unaware, validates to the end: its start is refused and it leaves the rows alone.
    expect(await validateBatch(deps, byA, 'worker-a')).toBeNull();
    expect(await statusOf(byA.id)).toBe('validating');

    const started = await validateBatch(deps, byB!, 'worker-b');
    expect(started).toMatchObject({ status: 'in_progress', total: 3 });
    expect(await rowCount(byA.id)).toBe(3);
    expect(await chunkCount(byA.id)).toBe(1);

    // A late cleanup by the old holder of a batch that runs removes nothing.
    await deleteBatchRows(database, byA.id, 'worker-a');
    await deleteBatchRows(database, byA.id, 'worker-b');
    expect(await rowCount(byA.id)).toBe(3);
    expect(await chunkCount(byA.id)).toBe(1);
  });

  it('a batch cancelled while it validated keeps none of the rows written for it', async () => {
    const leased = await leasedBatch('worker-a');
    await cancelBatch(deps, adminCaller, { id: leased.id });
    expect(await renewValidationLease(deps, 'worker-a', leased.id, LEASE_MS)).toBe(false);
    expect(await validateBatch(deps, leased, 'worker-a')).toBeNull();
    expect(await statusOf(leased.id)).toBe('cancelled');
    expect(await rowCount(leased.id)).toBe(0);
    expect(await chunkCount(leased.id)).toBe(0);
  });
});

describe('claims racing a cancel', () => {
  it('takes no chunk of a batch that is no longer in_progress', async () => {
    const leased = await leasedBatch('worker-a');
    const started = await validateBatch(deps, leased, 'worker-a');
    const provider = started!.provider!;
    const claim = () =>
      claimChunks(database, 'worker-b', [{ batchId: leased.id, quota: 10 }], [provider], [provider], LEASE_MS, []);

    await deps.db.update(batches).set({ status: 'cancelling' }).where(eq(batches.id, leased.id));
    expect(await claim()).toEqual([]);
    await deps.db.update(batches).set({ status: 'in_progress' }).where(eq(batches.id, leased.id));
    const [chunk] = await claim();
    expect(chunk?.rows.map((row) => row.customId)).toEqual(['a', 'b', 'c']);
  });

  it('a batch aborted before its first line ran here starts aborted', () => {
    const slots = new BatchSlots(new FixedClock(new Date()), () => {});
    const batch = { id: 'batch_x', endpoint: '/v1/chat/completions', expiresAt: new Date(Date.now() + 60_000) };
    slots.abort(batch.id, 'batch_cancelled');
    const slot = slots.slotFor(batch);
    expect(slot.signal.aborted).toBe(true);
    expect(slot.signal.reason).toBe('batch_cancelled');

    slots.prune(new Set(), new Set());
    expect(slots.slotFor(batch).signal.aborted).toBe(false);
    slots.clear();
  });
});

describe('a provider batch whose lease lapsed', () => {
  it('takes no write from its old holder; the new holder’s go through', async () => {
    const { id } = await leasedBatch('worker-a');
    await deps.db
      .insert(providerBatches)
      .values({ batchId: id, provider: 'native', total: 3, nextPollAt: new Date(0) });
    const leaseOf = async (owner: string) =>
      (await leaseDueProviderBatches(database, owner, new Date(), LEASE_MS, 100)).find((p) => p.batchId === id)!;

    const byA = await leaseOf('worker-a');
    await deps.db
      .update(providerBatches)
      .set({ leaseExpiresAt: new Date(0) })
      .where(eq(providerBatches.batchId, id));
    const byB = await leaseOf('worker-b');
    expect(byB.leaseOwner).toBe('worker-b');

    const change = { state: 'running' as const, providerBatchId: 'batch_from_a', nextPollAt: new Date(), failures: 0 };
    expect(await saveProviderBatch(deps.db, byA, 'worker-a', change)).toBe(false);
    const last = { status: 'completed', completed: 3, failed: 0 };
    expect(await database.transaction((query) => markCollected(query, byA, 'worker-a', last))).toBe(false);
    const [untouched] = await deps.db.select().from(providerBatches).where(eq(providerBatches.batchId, id));
    expect(untouched).toMatchObject({ state: 'submitting', providerBatchId: null, leaseOwner: 'worker-b' });

    expect(await saveProviderBatch(deps.db, byB, 'worker-b', { ...change, providerBatchId: 'batch_from_b' })).toBe(
      true,
    );
    const [saved] = await deps.db.select().from(providerBatches).where(eq(providerBatches.batchId, id));
    expect(saved).toMatchObject({ state: 'running', providerBatchId: 'batch_from_b', leaseOwner: null });
  });
});
