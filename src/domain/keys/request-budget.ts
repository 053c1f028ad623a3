// The per-key API request budget (`apiRequestsPerMinutePerKey`): a one-minute window opens at a
// key's first request (by `deps.clock`) and holds that many requests. On PostgreSQL the count is
// one row per key (api_rate_limits), spent with one atomic upsert, so every api process on the
// database shares the budget; on PGlite, a single process, it is counted in memory. A key refused
// by the database is refused in memory until its window ends, so a client hammering past its
// budget costs no statements.
import type { Database } from '../../db/client.js';
import type { Clock } from '../clock.js';

const WINDOW_MS = 60_000;

/** Spent: true, or how long until the key's window ends. */
export type Spent = { ok: true } | { ok: false; retryAfterMs: number };

export interface RequestBudget {
  spend(keyId: string): Promise<Spent>;
}

const verdict = (points: number, limit: number, endsMs: number, nowMs: number): Spent =>
  points <= limit ? { ok: true } : { ok: false, retryAfterMs: Math.max(0, endsMs - nowMs) };

/** One process's count: the budget holds per process. */
export class MemoryRequestBudget implements RequestBudget {
  private readonly windows = new Map<string, { points: number; endsMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
  ) {}

  async spend(keyId: string): Promise<Spent> {
    const nowMs = this.clock.now().getTime();
    let window = this.windows.get(keyId);
    if (!window || window.endsMs <= nowMs) {
      window = { points: 0, endsMs: nowMs + WINDOW_MS };
      this.windows.set(keyId, window);
    }
    window.points++;
    return verdict(window.points, this.limit, window.endsMs, nowMs);
  }
}

/** Opens a window (or counts into the open one) and answers the count and the window's end. */
const SPEND_SQL = `
  insert into api_rate_limits as l (key_id, points, window_ends_at) values ($1, 1, $3::timestamptz)
  on conflict (key_id) do update set
    points = case when l.window_ends_at <= $2::timestamptz then 1 else l.points + 1 end,
    window_ends_at = case when l.window_ends_at <= $2::timestamptz then excluded.window_ends_at else l.window_ends_at end
  returning l.points, (extract(epoch from l.window_ends_at) * 1000)::float8 as "endsMs"`;

/** The count in the database: one statement a request, shared by every process. */
export class SharedRequestBudget implements RequestBudget {
  /** Keys over their budget → when their window ends (ms). */
  private readonly refusedUntil = new Map<string, number>();

  constructor(
    private readonly database: Pick<Database, 'query'>,
    private readonly clock: Clock,
    private readonly limit: number,
  ) {}

  async spend(keyId: string): Promise<Spent> {
    const now = this.clock.now();
    const refusedUntil = this.refusedUntil.get(keyId);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now.getTime()) return verdict(this.limit + 1, this.limit, refusedUntil, now.getTime());
      this.refusedUntil.delete(keyId);
    }
    const ends = new Date(now.getTime() + WINDOW_MS);
    const [row] = await this.database.query<{ points: number; endsMs: number }>(SPEND_SQL, [
      keyId,
      now.toISOString(),
      ends.toISOString(),
    ]);
    const spent = verdict(row!.points, this.limit, row!.endsMs, now.getTime());
    if (!spent.ok) this.refusedUntil.set(keyId, row!.endsMs);
    return spent;
  }
}

/** Shared across processes on PostgreSQL, in memory on PGlite. */
export const requestBudgetFor = (database: Database, clock: Clock, limit: number): RequestBudget =>
  database.kind === 'postgres'
    ? new SharedRequestBudget(database, clock, limit)
    : new MemoryRequestBudget(clock, limit);
