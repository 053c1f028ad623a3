// Whether the database answers. `check()` asks `select 1`, bounded in time (for /ready). On
// PostgreSQL a background watch checks every second over a connection of its own, and while the
// server is known to be away API calls are refused at once (503) instead of waiting on a pool that
// cannot connect; they are let through again as soon as it answers — no restart needed. "Away"
// means a check failed to reach it (refused, reset, terminated, shutting down) or has had no
// answer for `hangMs`: a check that is merely slow (a loaded machine) never refuses traffic.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { type Database, postgresConnection } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { withTimeout } from '../deadline.js';
import { databaseUnavailable } from '../domain/errors.js';

export interface AvailabilityOptions {
  /** A check without an answer within this long reports the database down (to /ready). */
  timeoutMs: number;
  /** A check still without an answer after this long makes API calls refused. */
  hangMs: number;
  /** Pause between two background checks. */
  watchMs: number;
}

const DEFAULTS: AvailabilityOptions = { timeoutMs: 1500, hangMs: 10_000, watchMs: 1000 };

type Answer = 'ok' | 'unreachable' | 'error';

export class DatabaseAvailability {
  private refusing = false;
  private readonly options: AvailabilityOptions;
  private readonly stop = new AbortController();
  /** PostgreSQL: one connection for checks, so a busy pool never looks like a dead server. */
  private readonly probe: postgres.Sql | null;
  private watching: Promise<void> | null = null;
  /** The query of a check still waiting for its answer: later checks wait on it instead of piling up. */
  private pending: { answer: Promise<Answer>; since: number } | null = null;

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    options: Partial<AvailabilityOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.probe =
      database.driver.kind === 'postgres'
        ? postgresConnection(database.driver.url, {
            max: 1,
            connect_timeout: this.options.hangMs / 1000,
            onnotice: () => {},
            connection: { application_name: 'batchgate-probe' },
          })
        : null;
  }

  /** Ask the database now; true when it answered within the timeout. */
  async check(): Promise<boolean> {
    if (!this.pending) {
      const query = this.probe ? this.probe`select 1` : this.database.query('select 1', []);
      const answer = Promise.resolve(query).then(
        (): Answer => 'ok',
        (error): Answer => (isDatabaseUnavailable(error) ? 'unreachable' : 'error'),
      );
      const pending = { answer, since: performance.now() };
      this.pending = pending;
      void answer.then(() => {
        if (this.pending === pending) this.pending = null;
      });
    }
    const { answer, since } = this.pending;
    const result = await withTimeout(answer, this.options.timeoutMs).catch(() => 'timeout' as const);
    if (result === 'ok') this.setRefusing(false);
    else if (result === 'unreachable' || performance.now() - since >= this.options.hangMs) this.setRefusing(true);
    return result === 'ok';
  }

  /** Throws the `unavailable` AppError while the database is known to be away. */
  assertAvailable(): void {
    if (this.refusing) throw databaseUnavailable();
  }

  /** Check in the background until closed (PostgreSQL only: an embedded PGlite cannot go away). */
  watch(): void {
    if (!this.probe || this.watching) return;
    const signal = this.stop.signal;
    this.watching = (async () => {
      while (!signal.aborted) {
        await this.check();
        await sleep(this.options.watchMs, undefined, { signal, ref: false }).catch(() => {});
      }
    })();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.watching;
    await this.probe?.end({ timeout: 1 });
  }

  private setRefusing(refusing: boolean): void {
    if (refusing === this.refusing) return;
    this.refusing = refusing;
    if (refusing) this.log.warn('database unreachable: API calls answer 503 until it is back');
    else this.log.info('database reachable again');
  }
}
