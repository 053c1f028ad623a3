// When API calls are refused for an absent database: at once when a check cannot reach it, only
// after `hangMs` when checks merely get no answer (a slow answer on a loaded machine is not an
// outage), and never again once it answers. /ready's check says "down" after `timeoutMs` either way.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { AppError } from '../../src/domain/errors.js';
import { DatabaseAvailability } from '../../src/observability/database-availability.js';
import { waitFor } from '../support/wait.js';

/** A database whose `select 1` answers however the test says, one query at a time. */
function scriptedDatabase() {
  let next: () => Promise<unknown> = async () => [];
  const database = { driver: { kind: 'pglite' }, query: () => next() } as unknown as Database;
  return {
    database,
    answer: (how: () => Promise<unknown>) => {
      next = how;
    },
  };
}

const refused = () =>
  Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
const refusing = (availability: DatabaseAvailability) => {
  try {
    availability.assertAvailable();
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unavailable');
    return true;
  }
};

describe('DatabaseAvailability', () => {
  it('refuses calls at once when the database cannot be reached, and lets them through when it answers', async () => {
    const db = scriptedDatabase();
    const availability = new DatabaseAvailability(db.database, pino({ level: 'silent' }), { timeoutMs: 50 });
    expect(await availability.check()).toBe(true);
    expect(refusing(availability)).toBe(false);
    db.answer(refused);
    expect(await availability.check()).toBe(false);
    expect(refusing(availability)).toBe(true);
    db.answer(async () => []);
    expect(await availability.check()).toBe(true);
    expect(refusing(availability)).toBe(false);
  });

  it('reports a slow answer as down to /ready but refuses calls only once it has hung for hangMs', async () => {
    const db = scriptedDatabase();
    const availability = new DatabaseAvailability(db.database, pino({ level: 'silent' }), {
      timeoutMs: 30,
      hangMs: 300,
    });
    let release!: () => void;
    db.answer(() => new Promise((resolve) => (release = () => resolve([]))));
    expect(await availability.check()).toBe(false);
    expect(refusing(availability)).toBe(false);
    await waitFor(async () => !(await availability.check()) && refusing(availability), {
      timeoutMs: 5000,
      what: 'calls refused after the check hung',
    });
    release();
    db.answer(async () => []);
    await waitFor(async () => (await availability.check()) && !refusing(availability), { what: 'recovery' });
  });
});
