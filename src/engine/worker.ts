// The worker: one process's share of execution, readable top to bottom.
//   claim loop   — lease chunks of due rows, fairly across batches, for providers with room
//   provider queues — run at most `maxConcurrency` requests per provider, within rpm/tpm
//   writer loop  — record buffered outcomes in one statement whenever the previous one returns,
//                  publish progress, hand ended batches to finalize
//   heartbeat    — renew the leases of every row (and validation) still held
//   validation and maintenance loops — see validate.ts, maintenance.ts, finalize.ts
// Every wait takes the stop signal; `stop()` drains in-flight work within a bound, then releases.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import PQueue from 'p-queue';
import type { ProviderConfig } from '../config.js';
import { batches } from '../db/tables/batches.js';
import type { Deps } from '../domain/deps.js';
import type { BatchEvent } from '../domain/events.js';
import type { Providers } from '../providers/index.js';
import { ProgressThrottle } from './events.js';
import { fairQuotas } from './fairness.js';
import { batchesReadyToFinalize, finalizeBatch } from './finalize.js';
import { ProviderRateLimit } from './limits.js';
import {
  expireDueBatches,
  leaseValidation,
  purgeAbandonedUploads,
  releaseValidation,
  renewValidationLease,
  sweepCancelling,
} from './maintenance.js';
import { type Answer, type NoAnswerCode, type Outcome, outcomeOfError, outcomeOfResponse } from './outcome.js';
import {
  type ClaimedRow,
  claimRows,
  type RowOutcome,
  recordOutcomes,
  releaseRows,
  renewLeases,
} from './request-rows.js';
import type { BackoffPolicy } from './retry.js';
import { estimateTokens } from './usage.js';
import { validateBatch } from './validate.js';

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

type AbortReason = 'batch_cancelled' | 'batch_expired' | 'shutdown';

/** What the worker knows of a running batch it holds rows of. */
interface BatchSlot {
  id: string;
  projectId: string;
  endpoint: string;
  controller: AbortController;
  expiryTimer: NodeJS.Timeout;
}

interface Lane {
  config: ProviderConfig;
  queue: PQueue;
  rate: ProviderRateLimit;
}

const rowKey = (row: { batchId: string; lineIndex: number }) => `${row.batchId}:${row.lineIndex}`;

/** Every outcome has the same shape (one hidden class: this runs for every request). */
function rowOutcome(
  row: ClaimedRow,
  done: boolean,
  retryInMs: number,
  answer: Answer | null,
  errorCode: NoAnswerCode | null,
  errorMessage: string | null,
  prices?: { input: string; output: string },
): RowOutcome {
  return {
    batchId: row.batchId,
    lineIndex: row.lineIndex,
    done,
    retryInMs,
    statusCode: answer ? answer.statusCode : null,
    response: answer ? answer.body : null,
    requestId: answer ? answer.requestId : null,
    errorCode,
    errorMessage,
    inputTokens: answer ? answer.tokens.input : 0,
    outputTokens: answer ? answer.tokens.output : 0,
    inputPrice: prices ? prices.input : '0',
    outputPrice: prices ? prices.output : '0',
  };
}

/** A promise that resolves when `poke()` is called (or the wait times out / is aborted). */
class Signal {
  private waiters: (() => void)[] = [];
  poke(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
  wait(ms: number, stop: AbortSignal): Promise<void> {
    if (stop.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}

export class Worker {
  readonly id: string;
  private readonly options: WorkerOptions;
  private readonly stopController = new AbortController();
  private readonly lanes = new Map<string, Lane>();
  private readonly slots = new Map<string, BatchSlot>();
  /** Rows leased to this worker whose outcome is not yet durable. */
  private readonly held = new Map<string, ClaimedRow>();
  /** Of those, the ones with an outcome waiting to be written (no longer renewed). */
  private readonly settled = new Set<string>();
  private readonly inFlight = new Set<string>();
  private buffer: RowOutcome[] = [];
  private readonly workToClaim = new Signal();
  private readonly outcomesBuffered = new Signal();
  private readonly flushDue = new Signal();
  private readonly maintenanceDue = new Signal();
  private readonly validationDue = new Signal();
  private readonly toFinalize = new Set<string>();
  private readonly progress: ProgressThrottle;
  private validating: string | null = null;
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
        this.validationDue.poke();
      }),
      this.deps.events.subscribe((event) => this.onBatchEvent(event)),
    );
    this.loops = [
      this.loop('claim', () => this.claimLoop()),
      this.loop('writer', () => this.writerLoop()),
      this.loop('heartbeat', () => this.heartbeatLoop()),
      this.loop('validation', () => this.validationLoop()),
      this.loop('maintenance', () => this.maintenanceLoop()),
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
    if (timedOut) for (const slot of this.slots.values()) slot.controller.abort('shutdown' satisfies AbortReason);
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
    for (const slot of this.slots.values()) clearTimeout(slot.expiryTimer);
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
      for (const row of claimed) this.dispatch(row, active.find((b) => b.id === row.batchId)!);
      this.pruneSlots(active.map((b) => b.id));
      if (claimed.length === 0) await this.workToClaim.wait(this.options.idlePollMs, this.stopping);
    }
  }

  private slotFor(batch: { id: string; projectId: string; endpoint: string | null; expiresAt: Date }): BatchSlot {
    let slot = this.slots.get(batch.id);
    if (!slot) {
      const controller = new AbortController();
      // Every in-flight request of the batch listens on this one signal.
      setMaxListeners(0, controller.signal);
      const untilExpiry = Math.max(0, batch.expiresAt.getTime() - Date.now());
      const expiryTimer = setTimeout(
        () => {
          controller.abort('batch_expired' satisfies AbortReason);
          this.maintenanceDue.poke();
        },
        Math.min(untilExpiry, 2 ** 31 - 1),
      );
      expiryTimer.unref();
      slot = { id: batch.id, projectId: batch.projectId, endpoint: batch.endpoint ?? '', controller, expiryTimer };
      this.slots.set(batch.id, slot);
    }
    return slot;
  }

  /** Forget batches that are no longer running and of which nothing is held. */
  private pruneSlots(activeIds: string[]): void {
    const active = new Set(activeIds);
    const holding = new Set([...this.held.values()].map((row) => row.batchId));
    for (const [id, slot] of this.slots) {
      if (!active.has(id) && !holding.has(id)) {
        clearTimeout(slot.expiryTimer);
        this.slots.delete(id);
      }
    }
  }

  private dispatch(row: ClaimedRow, batch: Parameters<Worker['slotFor']>[0]): void {
    const key = rowKey(row);
    // Our own row, re-claimed because its lease lapsed while it waited here (a stalled heartbeat):
    // it is already queued or in flight, and the claim just renewed its lease. Never send it twice.
    if (this.held.has(key)) return;
    const slot = this.slotFor(batch);
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
      const signal = slot.controller.signal;
      if (!signal.aborted && lane.rate.limited) await lane.rate.acquire(estimateTokens(row.body));
      let outcome: Outcome | AbortReason;
      if (signal.aborted) {
        outcome = signal.reason as AbortReason;
      } else {
        const ctx = { attempt: row.attempts, maxRetries: lane.config.maxRetries, backoff: this.options.backoff };
        try {
          const response = await this.providers
            .get(row.provider)!
            .send({ endpoint: slot.endpoint, body: row.body, signal });
          outcome = outcomeOfResponse(response, ctx);
        } catch (error) {
          outcome = signal.aborted ? (signal.reason as AbortReason) : outcomeOfError(error, ctx);
        }
      }
      this.settle(row, outcome);
    } finally {
      this.inFlight.delete(key);
      if (lane.queue.size < 2 * lane.config.maxConcurrency) this.workToClaim.poke();
    }
  }

  private settle(row: ClaimedRow, outcome: Outcome | AbortReason): void {
    if (outcome === 'shutdown') return; // stays held; released by stop()
    this.settled.add(rowKey(row));
    if (typeof outcome === 'string') {
      const message =
        outcome === 'batch_cancelled' ? 'The batch was cancelled.' : 'The batch expired before an answer arrived.';
      this.buffer.push(rowOutcome(row, true, 0, null, outcome satisfies NoAnswerCode, message));
    } else if (outcome.kind === 'retry') {
      this.buffer.push(rowOutcome(row, false, Math.round(outcome.delayMs), null, null, outcome.lastError));
    } else if (outcome.kind === 'no_answer') {
      this.buffer.push(rowOutcome(row, true, 0, null, outcome.code, outcome.message));
    } else {
      const model = this.deps.config.models[row.model];
      this.buffer.push(rowOutcome(row, true, 0, outcome.answer, null, null, model?.prices));
    }
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
        this.toFinalize.add(batch.id);
        this.maintenanceDue.poke();
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
        if (this.validating) await renewValidationLease(this.deps, this.id, this.options.leaseMs);
      } catch (error) {
        this.deps.log.warn({ err: error, worker: this.id }, 'lease renewal failed');
      }
    }
  }

  // ── validation and maintenance ───────────────────────────────────────────────────────────

  private async validationLoop(): Promise<void> {
    while (!this.stopping.aborted) {
      const batch = await leaseValidation(this.deps, this.id, this.options.leaseMs);
      if (!batch) {
        await this.validationDue.wait(this.options.maintenanceMs, this.stopping);
        continue;
      }
      this.validating = batch.id;
      try {
        const validated = await validateBatch(this.deps, batch, this.id, this.stopping);
        if (validated) {
          // Start on it here at once; tell subscribers and the other workers without waiting.
          if (validated.status === 'in_progress') this.workToClaim.poke();
          const event = { id: validated.id, projectId: validated.projectId, status: validated.status };
          void this.deps.events.publish(event).catch(() => {});
          if (validated.status === 'in_progress') void this.deps.events.wakeWorkers().catch(() => {});
        }
      } catch (error) {
        await releaseValidation(this.deps, this.id, batch.id).catch(() => {});
        if (!this.stopping.aborted) throw error;
      } finally {
        this.validating = null;
      }
    }
  }

  /**
   * Finalize ended batches as soon as they are known (the writer hands them over); every
   * `maintenanceMs`, also sweep for expiry, cancelled leftovers, batches another worker left
   * unfinalized, and abandoned uploads.
   */
  private async maintenanceLoop(): Promise<void> {
    let nextSweep = 0;
    while (!this.stopping.aborted) {
      await this.finalizeKnown();
      if (performance.now() >= nextSweep) {
        const { overdue, changed } = await expireDueBatches(this.deps);
        for (const id of overdue) this.slots.get(id)?.controller.abort('batch_expired' satisfies AbortReason);
        for (const id of [...changed, ...(await sweepCancelling(this.deps))]) this.toFinalize.add(id);
        for (const id of await batchesReadyToFinalize(this.deps)) this.toFinalize.add(id);
        await purgeAbandonedUploads(this.deps);
        nextSweep = performance.now() + this.options.maintenanceMs;
        await this.finalizeKnown();
      }
      if (this.toFinalize.size === 0) {
        await this.maintenanceDue.wait(Math.max(1, nextSweep - performance.now()), this.stopping);
      }
    }
  }

  private async finalizeKnown(): Promise<void> {
    for (const id of [...this.toFinalize]) {
      this.toFinalize.delete(id);
      if (this.stopping.aborted) return;
      await finalizeBatch(this.deps, id);
    }
  }

  private onBatchEvent(event: BatchEvent): void {
    if (event.status === 'cancelling') {
      this.slots.get(event.id)?.controller.abort('batch_cancelled' satisfies AbortReason);
      this.maintenanceDue.poke();
    }
  }

  /** Rows this worker has held and not yet recorded or released (diagnostics). */
  get heldCount(): number {
    return this.held.size;
  }
}
