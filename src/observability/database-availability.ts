// Whether the database answers: a `select 1` bounded in time (for /ready), and on PostgreSQL a
// background watch over a connection of its own, so that while the server is away API calls are
// refused at once (503) instead of waiting on a pool that cannot connect, and are let through
// again as soon as it answers — no restart needed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { type Database, postgresConnection } from '../db/client.js';
import { databaseUnavailable } from '../domain/errors.js';
import { withTimeout } from './with-timeout.js';

export interface AvailabilityOptions {
  /** A check that gets no answer within this long counts as "down". */
  timeoutMs: number;
  /** Pause between two background checks. */
  watchMs: number;
}

const DEFAULTS: AvailabilityOptions = { timeoutMs: 1500, watchMs: 1000 };

export class DatabaseAvailability {
  private up = true;
  private readonly options: AvailabilityOptions;
  private readonly stop = new AbortController();
  /** PostgreSQL: one connection for checks, so a busy pool never looks like a dead server. */
  private readonly probe: postgres.Sql | null;
  private watching: Promise<void> | null = null;
  /** The query of a check still waiting for its answer: later checks wait on it instead of piling up. */
  private pending: Promise<unknown> | null = null;

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
            connect_timeout: Math.ceil(this.options.timeoutMs / 1000),
            onnotice: () => {},
            connection: { application_name: 'batchgate-probe' },
          })
        : null;
  }

  get available(): boolean {
    return this.up;
  }

  /** Ask the database now; true when it answered within the timeout. */
  async check(): Promise<boolean> {
    this.pending ??= Promise.resolve(this.probe ? this.probe`select 1` : this.database.query('select 1', [])).finally(
      () => {
        this.pending = null;
      },
    );
    let up = true;
    try {
      await withTimeout(this.pending, this.options.timeoutMs);
    } catch {
      up = false;
    }
    if (up !== this.up) {
      if (up) this.log.info('database reachable again');
      else this.log.warn('database unreachable: API calls answer 503 until it is back');
    }
    this.up = up;
    return up;
  }

  /** Throws the `unavailable` AppError while the last check found the database away. */
  assertAvailable(): void {
    if (!this.up) throw databaseUnavailable();
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
}
