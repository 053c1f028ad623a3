// Worker membership on a real database (membership.ts): heartbeats register workers in joining
// order, a stopped worker leaves at once, a silent one ages out and, if it comes back, joins again
// as the newest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { heartbeat, leave } from '../../src/engine/membership.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait.js';

let testDb: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await testDb.open();
});
afterAll(async () => {
  await testDb?.drop();
});

const ids = (members: { id: string }[]) => members.map((m) => m.id);

describe('worker membership', () => {
  const LIVE = 60_000;

  it('lists the live workers in joining order, the caller included from its first heartbeat', async () => {
    expect(await heartbeat(database, 'm-b', ['p'], LIVE)).toEqual([{ id: 'm-b', providers: ['p'] }]);
    await heartbeat(database, 'm-a', ['p', 'q'], LIVE);
    // m-a sorts first by id but joined second; renewing does not move anyone.
    await heartbeat(database, 'm-b', ['p'], LIVE);
    expect(await heartbeat(database, 'm-a', ['p', 'q'], LIVE)).toEqual([
      { id: 'm-b', providers: ['p'] },
      { id: 'm-a', providers: ['p', 'q'] },
    ]);
    await leave(database, 'm-b');
    expect(ids(await heartbeat(database, 'm-a', ['p', 'q'], LIVE))).toEqual(['m-a']);
    await leave(database, 'm-a');
  });

  it('forgets a worker silent for the live window; back again, it joins as the newest', async () => {
    const live = 400;
    await heartbeat(database, 's-old', ['p'], live);
    await heartbeat(database, 's-new', ['p'], live);
    // s-new keeps beating; s-old falls silent and drops out of the list.
    await waitFor(async () => !ids(await heartbeat(database, 's-new', ['p'], live)).includes('s-old'), {
      timeoutMs: 10_000,
      what: 'the silent worker to age out',
    });
    expect(ids(await heartbeat(database, 's-old', ['p'], live))).toEqual(['s-new', 's-old']);
    await leave(database, 's-old');
    await leave(database, 's-new');
  });
});
