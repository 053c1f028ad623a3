// A worker's membership of the deployment: each heartbeat upserts its row in `workers`, deletes
// the rows of dead workers and reads the live ones (heartbeat within LIVE_HEARTBEATS intervals),
// from which the worker takes its share of every provider's limits (shares.ts). One statement per
// heartbeat, none per request. Times are the database's clock, which every process agrees on.
// A worker the others counted dead (its heartbeat lapsed) joins again as the newest member; and
// when its own heartbeats have failed for the live window it assumes the others have divided its
// shares and takes none until a heartbeat succeeds. On stop it leaves (deletes its row), so the
// others take its share on their next heartbeat.
import type { ProviderConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { withTimeout } from '../deadline.js';
import type { Deps } from '../domain/deps.js';
import { type LaneShare, laneShares, type Member } from './shares.js';

/** A worker whose heartbeat is older than this many intervals is dead. */
export const LIVE_HEARTBEATS = 4;

/**
 * Register (or renew) worker `id` with the providers it can send to, forget workers silent for
 * `liveMs`, and return the live members in joining order, `id` among them.
 */
export async function heartbeat(
  database: Database,
  id: string,
  providers: string[],
  liveMs: number,
): Promise<Member[]> {
  return database.query<Member>(HEARTBEAT_SQL, [id, JSON.stringify(providers), liveMs]);
}

/** Deregister worker `id`: the others divide its shares on their next heartbeat. */
export async function leave(database: Database, id: string): Promise<void> {
  await database.query('delete from workers where id = $1', [id]);
}

// The final select reads the table as it was before this statement, so the upserted row comes
// from `me`. A row whose heartbeat had lapsed starts again as the newest (`joined_at`).
const HEARTBEAT_SQL = `
  with dead as (
    delete from workers where ctid = any(array(
      select ctid from workers
      where heartbeat_at < now() - ($3::int * interval '1 millisecond') and id <> $1
      for update skip locked))
  ), me as (
    insert into workers as w (id, providers, joined_at, heartbeat_at)
    values ($1, array(select json_array_elements_text($2::json)), now(), now())
    on conflict (id) do update set
      providers = excluded.providers,
      heartbeat_at = now(),
      joined_at = case when w.heartbeat_at < now() - ($3::int * interval '1 millisecond') then now() else w.joined_at end
    returning w.id, w.providers, w.joined_at
  )
  select id, providers from (
    select id, providers, joined_at from workers
    where heartbeat_at >= now() - ($3::int * interval '1 millisecond') and id <> $1
    union all
    select id, providers, joined_at from me
  ) live
  order by joined_at, id`;

type Limits = Record<string, Pick<ProviderConfig, 'maxConcurrency' | 'rpm' | 'tpm'>>;

export class Membership {
  private readonly liveMs: number;
  /** When the last successful heartbeat was sent (`performance.now()`). */
  private lastBeat = Number.NEGATIVE_INFINITY;
  private described = '';

  /** @param limits the providers this worker sends to, with their deployment-wide limits */
  constructor(
    private readonly deps: Pick<Deps, 'database' | 'log'>,
    private readonly id: string,
    private readonly limits: Limits,
    heartbeatMs: number,
  ) {
    this.liveMs = LIVE_HEARTBEATS * heartbeatMs;
  }

  /**
   * Heartbeat, and this worker's share of each provider's limits. When the heartbeat fails (or
   * gets no answer within the live window): `undefined` (keep the current shares) while the last
   * success is within the live window, afterwards no share of anything.
   */
  async beat(): Promise<Map<string, LaneShare> | undefined> {
    const sentAt = performance.now();
    try {
      // Bounded: a database that does not answer counts as one that refuses.
      const beat = heartbeat(this.deps.database, this.id, Object.keys(this.limits), this.liveMs);
      const members = await withTimeout(beat, this.liveMs);
      this.lastBeat = sentAt;
      const shares = laneShares(members, this.id, this.limits);
      this.describe(members.length, shares);
      return shares;
    } catch (error) {
      const lapsed = performance.now() - this.lastBeat > this.liveMs;
      this.deps.log.warn({ err: error, worker: this.id, lapsed }, 'worker heartbeat failed');
      if (!lapsed) return undefined;
      const none = laneShares([], this.id, this.limits);
      this.describe(0, none);
      return none;
    }
  }

  async leave(): Promise<void> {
    await leave(this.deps.database, this.id);
  }

  /** Log the shares whenever they change (a worker joined or left). */
  private describe(members: number, shares: Map<string, LaneShare>): void {
    const described = JSON.stringify([members, [...shares]]);
    if (described === this.described) return;
    this.described = described;
    this.deps.log.info({ worker: this.id, members, shares: Object.fromEntries(shares) }, 'provider shares changed');
  }
}
