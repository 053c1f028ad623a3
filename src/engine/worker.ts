// The worker: one process's share of execution, readable top to bottom.
//   claim loop      — lease chunks of lines, fairly across batches, for providers with room
//   provider queues — run at most `maxConcurrency` requests per provider, within rpm/tpm;
//                     a retry waits (in memory, its chunk still leased) and queues again
//   writer loop     — record buffered final outcomes and finished chunks in one statement,
//                     publish progress, hand ended batches to finalize
//   heartbeat       — renew the leases of every chunk (and validation) still held
//   validation and maintenance loops — see maintainer.ts
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
import { type AbortReason, type BatchSlot, BatchSlots, type RunningBatch } from './batch-slots.js';
import { ProgressThrottle } from './events.js';
import { fairQuotas } from './fairness.js';
import { ProviderRateLimit } from './limits.js';
import { Maintainer } from './maintainer.js';
import { type Outcome, outcomeOfError, outcomeOfResponse } from './outcome.js';
import {
  type ChunkKey,
  type ClaimedChunk,
  type ClaimedRow,
  claimChunks,
  type RowOutcome,
  recordOutcomes,
  releaseChunks,
  renewLeases,
} from './request-rows.js';
import type { BackoffPolicy } from './retry.js';
import { type FinalOutcome, toRowOutcome } from './row-outcome.js';
import { Signal } from './signal.js';
import { estimateTokens } from './usage.js';

export interface WorkerOptions {
  workerId: string;
  /** A chunk or validation not renewed for this long is taken over by another worker. */
  leaseMs: number;
  heartbeatMs: number;
  /** Upper bound of lines claimed at once (in whole chunks). */
  maxClaim: number;
  /** How often an idle worker looks for work without being woken. */
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
const chunkKey = (chunk: ChunkKey) => `${chunk.batchId}#${chunk.chunkIndex}`;

interface HeldChunk extends ChunkKey {
  /** Its lines without a final outcome yet. */
  open: number;
}

export class Worker {
  readonly id: string;
  private readonly options: WorkerOptions;
  private readonly stopController = new AbortController();
  private readonly lanes = new Map<string, Lane>();
  private readonly slots: BatchSlots;
  private readonly maintainer: Maintainer;
  /** Chunks leased to this worker and not yet deleted. */
  private readonly chunks = new Map<string, HeldChunk>();
  private readonly inFlight = new Set<string>();
  private buffer: RowOutcome[] = [];
  /** Chunks whose every line has an outcome buffered or written: deleted with the next write. */
  private finished: ChunkKey[] = [];
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
    // Every retry waiting here listens on the stop signal.
    setMaxListeners(0, this.stopController.signal);
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

  /** Stop claiming, let in-flight requests finish (bounded), record what ended, release the chunks. */
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
    await releaseChunks(this.deps.database, this.id).catch((error) =>
      this.deps.log.error({ err: error }, 'releasing chunks failed; their leases will lapse'),
    );
    this.chunks.clear();
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
      this.deps.liveness.tick('claim');
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
          : await claimChunks(
              this.deps.database,
              this.id,
              fairQuotas(active, capacity),
              providers,
              this.options.leaseMs,
            );
      this.stats.claims++;
      this.stats.claimMs += performance.now() - claimStarted;
      if (this.stopping.aborted) return; // stop() releases every chunk held
      const running = new Map(active.map((b) => [b.id, b]));
      for (const chunk of claimed) this.take(chunk, running.get(chunk.batchId)!);
      const holding = new Set([...this.chunks.values()].map((chunk) => chunk.batchId));
      this.slots.prune(new Set(running.keys()), holding);
      if (claimed.length === 0) await this.workToClaim.wait(this.options.idlePollMs, this.stopping);
    }
  }

  private take(chunk: ClaimedChunk, batch: RunningBatch): void {
    const key = chunkKey(chunk);
    // Our own chunk, re-claimed because its lease lapsed while we worked on it (a stalled
    // heartbeat): its lines are already here, and the claim just renewed the lease. Never send twice.
    if (this.chunks.has(key)) return;
    this.chunks.set(key, { batchId: chunk.batchId, chunkIndex: chunk.chunkIndex, open: chunk.rows.length });
    if (chunk.rows.length === 0) this.finish(chunk);
    const slot = this.slots.slotFor(batch);
    for (const row of chunk.rows) this.dispatch(row, slot, this.lanes.get(row.provider)!);
  }

  private dispatch(row: ClaimedRow, slot: BatchSlot, lane: Lane): void {
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
      this.settle(row, await this.attempt(row, slot, lane), slot, lane);
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
        .send({ endpoint: slot.endpoint, body: row.body, signal, model: row.model, batchId: row.batchId });
      return outcomeOfResponse(response, ctx);
    } catch (error) {
      return signal.aborted ? (signal.reason as AbortReason) : outcomeOfError(error, ctx);
    }
  }

  private settle(row: ClaimedRow, outcome: Outcome | AbortReason, slot: BatchSlot, lane: Lane): void {
    if (outcome === 'shutdown') return; // its chunk is released by stop()
    if (typeof outcome !== 'string' && outcome.kind === 'retry') {
      this.retryLater(row, slot, lane, outcome.delayMs);
      return;
    }
    const ended = toRowOutcome(row, outcome satisfies FinalOutcome, this.deps.config.models[row.model]?.prices);
    this.buffer.push(ended);
    this.deps.metrics.lineEnded(row.provider, row.model, ended);
    const chunk = this.chunks.get(chunkKey(row));
    if (chunk && --chunk.open === 0) this.finish(chunk);
    if (this.buffer.length === 1) this.outcomesBuffered.poke();
    // Write now when the buffer is full, or when nothing else is coming soon (the end of a batch).
    if (this.buffer.length >= this.options.flushRows || this.quiet()) this.flushDue.poke();
  }

  /** Queue the line again after `delayMs`, or at once when its batch is cancelled or expires. */
  private retryLater(row: ClaimedRow, slot: BatchSlot, lane: Lane, delayMs: number): void {
    row.attempts++;
    const signal = AbortSignal.any([slot.signal, this.stopping]);
    void sleep(delayMs, undefined, { signal, ref: false })
      .catch(() => {})
      .then(() => {
        if (!this.stopping.aborted) this.dispatch(row, slot, lane);
      });
  }

  private finish(chunk: ChunkKey): void {
    this.finished.push({ batchId: chunk.batchId, chunkIndex: chunk.chunkIndex });
    this.outcomesBuffered.poke();
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
      this.deps.liveness.tick('writer');
      if (this.buffer.length === 0 && this.finished.length === 0) {
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

  /** Write every buffered outcome and finished chunk in one statement; on failure they stay buffered. */
  private async flushOutcomes(): Promise<void> {
    if (this.buffer.length === 0 && this.finished.length === 0) return;
    // In key order, so concurrent writers lock rows in the same order.
    const outcomes = this.buffer.sort((a, b) =>
      a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : a.lineIndex - b.lineIndex,
    );
    const finished = this.finished;
    this.buffer = [];
    this.finished = [];
    let progress: Awaited<ReturnType<typeof recordOutcomes>>;
    const flushStarted = performance.now();
    try {
      progress = await recordOutcomes(this.deps.database, this.id, outcomes, finished);
      this.stats.flushes++;
      this.stats.flushMs += performance.now() - flushStarted;
    } catch (error) {
      this.buffer = outcomes.concat(this.buffer);
      this.finished = finished.concat(this.finished);
      throw error;
    }
    for (const chunk of finished) this.chunks.delete(chunkKey(chunk));
    this.stats.recorded += outcomes.length;
    for (const batch of progress) {
      const event = { id: batch.id, projectId: batch.projectId, status: batch.status };
      if (batch.completed + batch.failed >= batch.total) {
        this.maintainer.finalizeSoon(batch.id);
      } else {
        this.progress.touch(event);
      }
    }
    if (finished.length > 0) this.workToClaim.poke();
  }

  // ── leases ───────────────────────────────────────────────────────────────────────────────

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopping.aborted) {
      await sleep(this.options.heartbeatMs, undefined, { signal: this.stopping }).catch(() => {});
      if (this.stopping.aborted) return;
      try {
        if (this.chunks.size > 0) await renewLeases(this.deps.database, this.id, this.options.leaseMs);
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
