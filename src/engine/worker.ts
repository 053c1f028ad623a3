// The worker: one process's share of execution, readable top to bottom.
//   claim loop      — lease chunks of due rows, fairly across batches, for providers with room
//   provider queues — run at most `maxConcurrency` requests per provider, within rpm/tpm
//   writer loop     — record buffered outcomes in one statement, publish progress, hand ended
//                     batches to finalize
//   heartbeat       — renew the leases of every row (and validation) still held
//   validation and maintenance loops — see maintainer.ts
// Every wait takes the stop signal; `stop()` drains in-flight work within a bound, then releases.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import PQueue from 'p-queue';
import type { ProviderConfig } from '../config.js';
import { batches } from '../db/tables/batches.js';
import type { Deps } from '../domain/deps.js';
import type { BatchEvent } from '../domain/events.js';
import type { Providers } from '../providers/index.js';
import { type AbortReason, type BatchSlot, BatchSlots, type RunningBatch } from './batch-slots.js';
import { ProgressThrottle } from './events.js';
import { fairQuotas } from './fairness.js';
import { ProviderRateLimit } from './limits.js';
import { Maintainer } from './maintainer.js';
import { type Outcome, outcomeOfError, outcomeOfResponse } from './outcome.js';
import {
  type ClaimedRow,
  claimRows,
  type RowOutcome,
  recordOutcomes,
  releaseRows,
  renewLeases,
} from './request-rows.js';
import type { BackoffPolicy } from './retry.js';
import { toRowOutcome } from './row-outcome.js';
import { Signal } from './signal.js';
import { estimateTokens } from './usage.js';

export interface WorkerOptions {
  workerId: string;
  /** A row or validation not renewed for this long is taken over by another worker. */
  leaseMs: number;
  heartbeatMs: number;
  /** Upper bound of rows claimed at once. */
  maxClaim: number;
  /** How often an idle worker looks for due rows without being woken. */
  idlePollMs: number;
  maintenanceMs: number;
  backoff: BackoffPolicy;
  /** Outcomes are written together: when this many are buffered, or `flushDelayMs` after the first. */
  flushRows: number;
  flushDelayMs: number;
  /** On stop, in-flight requests get this long to finish before they are aborted and released. */
  shutdownGraceMs: number;
  progressIntervalMs: number;
}

export const defaultWorkerOptions = (): WorkerOptions => ({
  workerId: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  leaseMs: 10_000,
  heartbeatMs: 2_000,
  maxClaim: 512,
  idlePollMs: 500,
  maintenanceMs: 1_000,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  flushRows: 256,
  flushDelayMs: 25,
  shutdownGraceMs: 10_000,
  progressIntervalMs: 250,
});

interface Lane {
  config: ProviderConfig;
  queue: PQueue;
  rate: ProviderRateLimit;
}

const rowKey = (row: { batchId: string; lineIndex: number }) => `${row.batchId}:${row.lineIndex}`;

export class Worker {
  readonly id: string;
  private readonly options: WorkerOptions;
  private readonly stopController = new AbortController();
  private readonly lanes = new Map<string, Lane>();
  private readonly slots: BatchSlots;
  private readonly maintainer: Maintainer;
  /** Rows leased to this worker whose outcome is not yet durable. */
  private readonly held = new Map<string, ClaimedRow>();
  /** Of those, the ones with an outcome waiting to be written (no longer renewed). */
  private readonly settled = new Set<string>();
  private readonly inFlight = new Set<string>();
  private buffer: RowOutcome[] = [];
  private readonly workToClaim = new Signal();
  private readonly outcomesBuffered = new Signal();
  private readonly flushDue = new Signal();
  private readonly progress: ProgressThrottle;
  /** Diagnostics: requests brought to an end, outcome writes, claim statements. */
  readonly stats = { recorded: 0, flushes: 0, claims: 0, claimMs: 0, flushMs: 0 };
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: Deps,
    private readonly providers: Providers,
    options: Partial<WorkerOptions> = {},
  ) {
    this.options = { ...defaultWorkerOptions(), ...options };
    this.id = this.options.workerId;
    this.progress = new ProgressThrottle(deps.events, this.options.progressIntervalMs);
    this.maintainer = new Maintainer(deps, this.id, this.options, {
      onRunning: () => this.workToClaim.poke(),
      onOverdue: (ids) => {
        for (const id of ids) this.slots.abort(id, 'batch_expired');
      },
    });
    this.slots = new BatchSlots(() => this.maintainer.wakeMaintenance());
    for (const [name, config] of Object.entries(deps.config.providers)) {
      if (!providers.has(name)) continue;
      this.lanes.set(name, {
        config,
        queue: new PQueue({ concurrency: config.maxConcurrency }),
        rate: new ProviderRateLimit(config),
      });
    }
  }

  private get stopping(): AbortSignal {
    return this.stopController.signal;
  }

  start(): void {
    this.unsubscribe.push(
      this.deps.events.onWake(() => {
        this.workToClaim.poke();
        this.maintainer.wakeValidation();
      }),
      this.deps.events.subscribe((event) => this.onBatchEvent(event)),
    );
    this.loops = [
      this.loop('claim', () => this.claimLoop()),
      this.loop('writer', () => this.writerLoop()),
      this.loop('heartbeat', () => this.heartbeatLoop()),
      this.loop('validation', () => this.maintainer.validationLoop(this.stopping)),
      this.loop('maintenance', () => this.maintainer.maintenanceLoop(this.stopping)),
    ];
  }

  /** Stop claiming, let in-flight requests finish (bounded), record or release everything held. */
  async stop(): Promise<void> {
    if (this.stopController.signal.aborted) return;
    this.stopController.abort();
    for (const off of this.unsubscribe) off();
    for (const lane of this.lanes.values()) lane.queue.clear();
    const drained = Promise.all([...this.lanes.values()].map((lane) => lane.queue.onIdle()));
    const timedOut = await Promise.race([
      drained.then(() => false),
      sleep(this.options.shutdownGraceMs).then(() => true),
    ]);
    if (timedOut) this.slots.abortAll('shutdown');
    await drained;
    this.outcomesBuffered.poke();
    await Promise.all(this.loops);
    await this.flushOutcomes().catch((error) => this.deps.log.error({ err: error }, 'final flush failed'));
    const unsent = [...this.held.values()];
    await releaseRows(this.deps.database, this.id, unsent).catch((error) =>
      this.deps.log.error({ err: error }, 'releasing rows failed; their leases will lapse'),
    );
    this.held.clear();
    this.settled.clear();
    this.progress.clear();
    this.slots.clear();
    this.deps.log.info({ worker: this.id, ...this.stats }, 'worker stopped');
  }

  private async loop(name: string, body: () => Promise<void>): Promise<void> {
    while (!this.stopping.aborted) {
      try {
        await body();
        return;
      } catch (error) {
        if (this.stopping.aborted) return;
        this.deps.log.error({ err: error, loop: name, worker: this.id }, 'worker loop failed; restarting');
        await sleep(1000, undefined, { signal: this.stopping }).catch(() => {});
      }
    }
  }

  // ── claim ────────────────────────────────────────────────────────────────────────────────

  /**
   * Rows wanted per provider: refill when fewer than two rounds of `maxConcurrency` wait, up to
   * four rounds' worth, so each claim brings at least two rounds (claims of ≥ 64 rows are what
   * keeps PostgreSQL's share small; see shared/PERF.md).
   */
  private demand(): { providers: string[]; capacity: number } {
    const providers: string[] = [];
    let capacity = 0;
    for (const [name, lane] of this.lanes) {
      const max = lane.config.maxConcurrency;
      if (lane.queue.size >= 2 * max) continue;
      const room = 4 * max - lane.queue.size - lane.queue.pending;
      if (room <= 0) continue;
      providers.push(name);
      capacity += room;
    }
    return { providers, capacity: Math.min(capacity, this.options.maxClaim) };
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping.aborted) {
      const { providers, capacity } = this.demand();
      if (capacity === 0) {
        await this.workToClaim.wait(this.options.idlePollMs, this.stopping);
        continue;
      }
      const claimStarted = performance.now();
      const active = await this.deps.db
        .select({
          id: batches.id,
          projectId: batches.projectId,
          endpoint: batches.endpoint,
          expiresAt: batches.expiresAt,
        })
        .from(batches)
        .where(eq(batches.status, 'in_progress'));
      const claimed =
        active.length === 0
          ? []
          : await claimRows(this.deps.database, this.id, fairQuotas(active, capacity), providers, this.options.leaseMs);
      this.stats.claims++;
      this.stats.claimMs += performance.now() - claimStarted;
      if (this.stopping.aborted) {
        await releaseRows(this.deps.database, this.id, claimed);
        return;
      }
      const running = new Map(active.map((b) => [b.id, b]));
      for (const row of claimed) this.dispatch(row, running.get(row.batchId)!);
      const holding = new Set([...this.held.values()].map((row) => row.batchId));
      this.slots.prune(new Set(running.keys()), holding);
      if (claimed.length === 0) await this.workToClaim.wait(this.options.idlePollMs, this.stopping);
    }
  }

  private dispatch(row: ClaimedRow, batch: RunningBatch): void {
    const key = rowKey(row);
    // Our own row, re-claimed because its lease lapsed while it waited here (a stalled heartbeat):
    // it is already queued or in flight, and the claim just renewed its lease. Never send it twice.
    if (this.held.has(key)) return;
    const slot = this.slots.slotFor(batch);
    const lane = this.lanes.get(row.provider)!;
    this.held.set(key, row);
    void lane.queue
      .add(() => this.execute(row, slot, lane))
      .catch((error) => {
        this.deps.log.error({ err: error, batch: row.batchId, line: row.lineIndex }, 'request execution failed');
      });
  }

  // ── execute ──────────────────────────────────────────────────────────────────────────────

  private async execute(row: ClaimedRow, slot: BatchSlot, lane: Lane): Promise<void> {
    const key = rowKey(row);
    this.inFlight.add(key);
    try {
      this.settle(row, await this.attempt(row, slot, lane));
    } finally {
      this.inFlight.delete(key);
      if (lane.queue.size < 2 * lane.config.maxConcurrency) this.workToClaim.poke();
    }
  }

  /** One send of a row; whatever goes wrong becomes an outcome (never an error that strands the row). */
  private async attempt(row: ClaimedRow, slot: BatchSlot, lane: Lane): Promise<Outcome | AbortReason> {
    const { signal } = slot;
    const ctx = { attempt: row.attempts, maxRetries: lane.config.maxRetries, backoff: this.options.backoff };
    try {
      if (!signal.aborted && lane.rate.limited) await lane.rate.acquire(estimateTokens(row.body));
      if (signal.aborted) return signal.reason as AbortReason;
      const response = await this.providers
        .get(row.provider)!
        .send({ endpoint: slot.endpoint, body: row.body, signal });
      return outcomeOfResponse(response, ctx);
    } catch (error) {
      return signal.aborted ? (signal.reason as AbortReason) : outcomeOfError(error, ctx);
    }
  }

  private settle(row: ClaimedRow, outcome: Outcome | AbortReason): void {
    if (outcome === 'shutdown') return; // stays held; released by stop()
    this.settled.add(rowKey(row));
    this.buffer.push(toRowOutcome(row, outcome, this.deps.config.models[row.model]?.prices));
    if (this.buffer.length === 1) this.outcomesBuffered.poke();
    // Write now when the buffer is full, or when nothing else is coming soon (the end of a batch).
    if (this.buffer.length >= this.options.flushRows || this.quiet()) this.flushDue.poke();
  }

  /** At most `inFlight` requests in flight (the one settling, by default), none queued. */
  private quiet(inFlight = 1): boolean {
    if (this.inFlight.size > inFlight) return false;
    for (const lane of this.lanes.values()) if (lane.queue.size > 0) return false;
    return true;
  }

  // ── record ───────────────────────────────────────────────────────────────────────────────

  private async writerLoop(): Promise<void> {
    for (;;) {
      if (this.buffer.length === 0) {
        if (this.stopping.aborted) return;
        await this.outcomesBuffered.wait(this.options.idlePollMs, this.stopping);
        continue;
      }
      if (this.buffer.length < this.options.flushRows && !this.stopping.aborted && !this.quiet(0)) {
        await this.flushDue.wait(this.options.flushDelayMs, this.stopping);
      }
      try {
        await this.flushOutcomes();
      } catch (error) {
        this.deps.log.error({ err: error, worker: this.id }, 'recording outcomes failed; retrying');
        await sleep(500);
      }
    }
  }

  /** Write every buffered outcome in one statement; on failure they stay buffered. */
  private async flushOutcomes(): Promise<void> {
    if (this.buffer.length === 0) return;
    // In key order, so concurrent writers lock rows in the same order.
    const outcomes = this.buffer.sort((a, b) =>
      a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : a.lineIndex - b.lineIndex,
    );
    this.buffer = [];
    let progress: Awaited<ReturnType<typeof recordOutcomes>>;
    const flushStarted = performance.now();
    try {
      progress = await recordOutcomes(this.deps.database, this.id, outcomes);
      this.stats.flushes++;
      this.stats.flushMs += performance.now() - flushStarted;
    } catch (error) {
      this.buffer = outcomes.concat(this.buffer);
      throw error;
    }
    let retrying = false;
    for (const outcome of outcomes) {
      const key = rowKey(outcome);
      this.held.delete(key);
      this.settled.delete(key);
      if (!outcome.done) retrying = true;
      else this.stats.recorded++;
    }
    for (const batch of progress) {
      const event = { id: batch.id, projectId: batch.projectId, status: batch.status };
      if (batch.completed + batch.failed >= batch.total) {
        this.maintainer.finalizeSoon(batch.id);
      } else {
        this.progress.touch(event);
      }
    }
    if (retrying) this.workToClaim.poke();
  }

  // ── leases ───────────────────────────────────────────────────────────────────────────────

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopping.aborted) {
      await sleep(this.options.heartbeatMs, undefined, { signal: this.stopping }).catch(() => {});
      if (this.stopping.aborted) return;
      try {
        const unsettled = [...this.held].filter(([key]) => !this.settled.has(key)).map(([, row]) => row);
        await renewLeases(this.deps.database, this.id, unsettled, this.options.leaseMs);
        await this.maintainer.renewValidationLease();
      } catch (error) {
        this.deps.log.warn({ err: error, worker: this.id }, 'lease renewal failed');
      }
    }
  }

  private onBatchEvent(event: BatchEvent): void {
    if (event.status === 'cancelling') {
      this.slots.abort(event.id, 'batch_cancelled');
      // Done at once if nothing was in flight here; otherwise the writer asks again once it is.
      this.maintainer.finalizeSoon(event.id);
    }
  }
}
