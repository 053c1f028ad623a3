// The executor: runs claimed lines against their providers. Per provider a lane — a queue of at
// most `maxConcurrency` requests in flight, within its rpm/tpm — and per running batch a slot whose
// signal aborts every request of the batch (cancel, expiry, shutdown). Each line is taken, sent,
// and settled: a final end goes to `onEnd` (the outcome writer); a retry waits in memory (its chunk
// stays leased) and is queued again after its delay, or at once when its batch is aborted.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { ProviderConfig } from '../config.js';
import type { ClaimedChunk, ClaimedRow } from '../db/queries/batch-requests.js';
import { noAnswer } from '../db/queries/no-answer.js';
import type { Deps } from '../domain/deps.js';
import type { Providers } from '../providers/index.js';
import { type AbortReason, type BatchSlot, BatchSlots, type RunningBatch } from './batch-slots.js';
import { ProviderRateLimit } from './limits.js';
import { type Attempt, attemptOfError, attemptOfResponse, type LineEnd } from './line-end.js';
import type { BackoffPolicy } from './retry.js';
import { estimateTokens } from './usage.js';

interface Lane {
  config: ProviderConfig;
  queue: PQueue;
  rate: ProviderRateLimit;
}

export interface ExecutorHooks {
  /** A line ended (an answer, or no answer): record it. */
  onEnd(row: ClaimedRow, end: LineEnd): void;
  /** A lane has room for more lines: claim. */
  onRoom(): void;
  /** A held batch reached `expires_at`. */
  onExpired(): void;
}

/** A line whose provider this process does not have (the config changed since it was validated). */
const noProvider = (row: ClaimedRow) =>
  noAnswer('upstream_unreachable', `No provider '${row.provider}' is configured for model '${row.model}'.`);

export class Executor {
  private readonly lanes = new Map<string, Lane>();
  private readonly slots: BatchSlots;
  private inFlight = 0;

  constructor(
    private readonly deps: Pick<Deps, 'config' | 'clock' | 'log'>,
    private readonly providers: Providers,
    private readonly backoff: BackoffPolicy,
    private readonly stop: AbortSignal,
    private readonly hooks: ExecutorHooks,
  ) {
    // Every retry waiting here listens on the stop signal.
    setMaxListeners(0, stop);
    this.slots = new BatchSlots(deps.clock, () => hooks.onExpired());
    for (const [name, config] of Object.entries(deps.config.providers)) {
      if (!providers.has(name)) continue;
      this.lanes.set(name, {
        config,
        queue: new PQueue({ concurrency: config.maxConcurrency }),
        rate: new ProviderRateLimit(config),
      });
    }
  }

  /** The providers this process can send to. */
  get providerNames(): string[] {
    return [...this.lanes.keys()];
  }

  /**
   * Lines wanted per provider: refill when fewer than two rounds of `maxConcurrency` wait, up to
   * four rounds' worth, so each claim brings at least two rounds (claims of ≥ 64 rows keep the
   * database's share small).
   */
  demand(maxClaim: number): { providers: string[]; capacity: number } {
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
    return { providers, capacity: Math.min(capacity, maxClaim) };
  }

  /** Start the open lines of a claimed chunk. */
  run(chunk: ClaimedChunk, batch: RunningBatch): void {
    const slot = this.slots.slotFor(batch);
    for (const row of chunk.rows) {
      const lane = this.lanes.get(row.provider);
      if (lane) this.dispatch(row, slot, lane);
      else this.hooks.onEnd(row, noProvider(row));
    }
  }

  /** Abort every request of a batch (cancel, expiry): they end with the reason's no-answer code. */
  abort(batchId: string, reason: Exclude<AbortReason, 'shutdown'>): void {
    this.slots.abort(batchId, reason);
  }

  /** Forget batches that are no longer running and of which nothing is held. */
  prune(running: Set<string>, holding: Set<string>): void {
    this.slots.prune(running, holding);
  }

  /** At most `inFlight` requests in flight, none queued. */
  quiet(inFlight = 1): boolean {
    if (this.inFlight > inFlight) return false;
    for (const lane of this.lanes.values()) if (lane.queue.size > 0) return false;
    return true;
  }

  /** On stop: drop what is queued, give in-flight requests `graceMs`, then abort them (their chunks are released). */
  async drain(graceMs: number): Promise<void> {
    for (const lane of this.lanes.values()) lane.queue.clear();
    const drained = Promise.all([...this.lanes.values()].map((lane) => lane.queue.onIdle()));
    const grace = sleep(graceMs, undefined, { ref: false }).then(() => true);
    if (await Promise.race([drained.then(() => false), grace])) this.slots.abortAll('shutdown');
    await drained;
    this.slots.clear();
  }

  private dispatch(row: ClaimedRow, slot: BatchSlot, lane: Lane): void {
    void lane.queue
      .add(() => this.execute(row, slot, lane))
      .catch((error) => {
        this.deps.log.error({ err: error, batch: row.batchId, line: row.lineIndex }, 'request execution failed');
      });
  }

  private async execute(row: ClaimedRow, slot: BatchSlot, lane: Lane): Promise<void> {
    this.inFlight++;
    try {
      this.settle(row, await this.attempt(row, slot, lane), slot, lane);
    } finally {
      this.inFlight--;
      if (lane.queue.size < 2 * lane.config.maxConcurrency) this.hooks.onRoom();
    }
  }

  /** One send of a line; whatever goes wrong becomes an Attempt (never an error that strands it). */
  private async attempt(row: ClaimedRow, slot: BatchSlot, lane: Lane): Promise<Attempt | AbortReason> {
    const { signal } = slot;
    const ctx = { attempt: row.attempts, maxRetries: lane.config.maxRetries, backoff: this.backoff };
    try {
      if (!signal.aborted && lane.rate.limited) {
        await lane.rate.acquire(estimateTokens(row.body, this.deps.config.models.get(row.model)?.contextLength));
      }
      if (signal.aborted) return signal.reason as AbortReason;
      const response = await this.providers
        .get(row.provider)!
        .send({ endpoint: slot.endpoint, body: row.body, signal, model: row.model, batchId: row.batchId });
      return attemptOfResponse(response, ctx);
    } catch (error) {
      return signal.aborted ? (signal.reason as AbortReason) : attemptOfError(error, ctx);
    }
  }

  private settle(row: ClaimedRow, attempt: Attempt | AbortReason, slot: BatchSlot, lane: Lane): void {
    if (attempt === 'shutdown') return; // its chunk is released by the worker's stop
    if (typeof attempt === 'string') this.hooks.onEnd(row, noAnswer(attempt));
    else if (attempt.kind === 'retry') this.retryLater(row, slot, lane, attempt.delayMs);
    else this.hooks.onEnd(row, attempt);
  }

  /** Queue the line again after `delayMs`, or at once when its batch is cancelled or expires. */
  private retryLater(row: ClaimedRow, slot: BatchSlot, lane: Lane, delayMs: number): void {
    row.attempts++;
    const signal = AbortSignal.any([slot.signal, this.stop]);
    void sleep(delayMs, undefined, { signal, ref: false })
      .catch(() => {})
      .then(() => {
        if (!this.stop.aborted) this.dispatch(row, slot, lane);
      });
  }
}
