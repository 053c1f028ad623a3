// GET /ready's answer: ready when the database answers (within its check's timeout) and no worker
// loop of this process has stalled; otherwise unavailable, saying which part is not.
import type { DatabaseAvailability } from './database-availability.js';
import type { Liveness } from './liveness.js';

export type Readiness =
  | { status: 'ready'; database: 'ok' }
  | { status: 'unavailable'; database: 'ok' | 'down'; worker?: 'stalled'; stalled_loops?: string[] };

export async function readiness(database: DatabaseAvailability, liveness: Liveness): Promise<Readiness> {
  const answered = await database.check();
  const stalled = liveness.stalled();
  if (answered && stalled.length === 0) return { status: 'ready', database: 'ok' };
  return {
    status: 'unavailable',
    database: answered ? 'ok' : 'down',
    ...(stalled.length > 0 ? { worker: 'stalled' as const, stalled_loops: stalled } : {}),
  };
}
