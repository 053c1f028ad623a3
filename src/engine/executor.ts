// The executor: runs claimed lines against their providers. Per provider a lane — a queue of at
// most this worker's share of `maxConcurrency` requests in flight, within its share of rpm/tpm
// (shares.ts; the worker applies new shares on each heartbeat) — and per running batch a slot whose
// signal aborts every request of the batch (cancel, expiry, shutdown). Each line is taken, sent,
// and settled: a final end goes to `onEnd` (the outcome writer); a retry waits in memory (its chunk
// stays leased) and is queued again after its delay, or at once when its batch is aborted. While a
// lane's share is zero its lines park unsent; the worker hands back chunks whose every open line is
// parked, so another worker runs them.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { ProviderConfig } from '../config.js';
import { type ChunkKey, type ClaimedChunk, type ClaimedRow, chunkKey } from '../db/queries/batch-requests.js';
import { noAnswer } from '../db/queries/no-answer.js';
import type { Deps } from '../domain/deps.js';
import type { Providers } from '../providers/index.js';
import { type AbortReason, type BatchSlot, BatchSlots, type RunningBatch } from './batch-slots.js';
import { ProviderRateLimit } from './limits.js';
import { type Attempt, attemptOfError, attemptOfResponse, type LineEnd } from './line-end.js';
import type { BackoffPolicy } from './retry.js';
import { isBlocked, type LaneShare, NO_SHARE } from './shares.js';
import { estimateTokens } from './usage.js';

interface Lane {
  config: ProviderConfig;
  queue: PQueue;
  rate: ProviderRateLimit;
  /** This worker's part of the provider's limits; none until the first heartbeat. */
  share: LaneShare;
  /** Aborted while the share is zero: requests waiting on the rate limit stop waiting and park. */
  blocking: AbortController;
  /** Lines that may not be sent while the share is zero, with their batches' slots. */
  parked: { row: ClaimedRow; slot: BatchSlot }[];
}

const blockedController = () => {
  const controller = new AbortController();
  controller.abort();
  return controller;
};

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
      const rate = new ProviderRateLimit(config);
      rate.setShare(NO_SHARE);
      const queue = new PQueue({ concurrency: 1 });
      this.lanes.set(name, { config, queue, rate, share: NO_SHARE, blocking: blockedController(), parked: [] });
    }
  }

  /** The providers this process can send to. */
  get providerNames(): string[] {
    return [...this.lanes.keys()];
  }

  /** The providers this process may not send to now (a zero share): claim no chunk with lines for them. */
  get blockedProviders(): string[] {
    return [...this.lanes].filter(([, lane]) => isBlocked(lane.share)).map(([name]) => name);
  }

  /**
   * Take this worker's share of each provider's limits: lanes change their concurrency and pace
   * in place (requests in flight or waiting keep going); a lane whose share became zero parks what
   * it holds, and one whose share returned sends its parked lines.
   */
  applyShares(shares: Map<string, LaneShare>): void {
    for (const [name, lane] of this.lanes) {
      const share = shares.get(name) ?? NO_SHARE;
      const wasBlocked = isBlocked(lane.share);
      lane.share = share;
      lane.queue.concurrency = Math.max(1, share.maxConcurrency);
      lane.rate.setShare(share);
      if (isBlocked(share)) {
        lane.blocking.abort();
      } else if (wasBlocked) {
        lane.blocking = new AbortController();
        setMaxListeners(0, lane.blocking.signal);
        const parked = lane.parked;
        lane.parked = [];
        for (const { row, slot } of parked) this.dispatch(row, slot, lane);
      }
    }
    this.hooks.onRoom();
  }

  /** Lines parked per chunk. */
  parkedChunks(): { chunk: ChunkKey; lines: number }[] {
    const chunks = new Map<string, { chunk: ChunkKey; lines: number }>();
    for (const lane of this.lanes.values()) {
      for (const { row } of lane.parked) {
        const key = chunkKey(row);
        const entry = chunks.get(key) ?? { chunk: { batchId: row.batchId, chunkIndex: row.chunkIndex }, lines: 0 };
        entry.lines++;
        chunks.set(key, entry);
      }
    }
    return [...chunks.values()];
  }

  /** Forget the parked lines of a chunk that is handed back to the database for another worker. */
  handBack(chunk: ChunkKey): void {
    for (const lane of this.lanes.values()) {
      lane.parked = lane.parked.filter(
        ({ row }) => row.batchId !== chunk.batchId || row.chunkIndex !== chunk.chunkIndex,
      );
    }
  }

  /**
   * Lines wanted per provider: refill when fewer than two rounds of this worker's concurrency
   * share wait, up to four rounds' worth, so each claim brings at least two rounds (claims of ≥ 64
   * rows keep the database's share small). None for a provider whose share is zero.
   */
  demand(maxClaim: number): { providers: string[]; capacity: number } {
    const providers: string[] = [];
    let capacity = 0;
    for (const [name, lane] of this.lanes) {
      if (isBlocked(lane.share)) continue;
      const max = lane.share.maxConcurrency;
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
    for (const lane of this.lanes.values()) {
      const ended = lane.parked.filter(({ row }) => row.batchId === batchId);
      if (ended.length === 0) continue;
      lane.parked = lane.parked.filter(({ row }) => row.batchId !== batchId);
      for (const { row } of ended) this.hooks.onEnd(row, noAnswer(reason));
    }
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
    for (const lane of this.lanes.values()) {
      lane.queue.clear();
      lane.parked = [];
    }
    const drained = Promise.all([...this.lanes.values()].map((lane) => lane.queue.onIdle()));
    const grace = sleep(graceMs, undefined, { ref: false }).then(() => true);
    if (await Promise.race([drained.then(() => false), grace])) this.slots.abortAll('shutdown');
    await drained;
    this.slots.clear();
  }

  private dispatch(row: ClaimedRow, slot: BatchSlot, lane: Lane): void {
    if (this.stop.aborted) return; // its chunk is released by the worker's stop
    if (isBlocked(lane.share)) {
      lane.parked.push({ row, slot });
      return;
    }
    void lane.queue
      .add(() => this.execute(row, slot, lane))
      .catch((error) => {
        this.deps.log.error({ err: error, batch: row.batchId, line: row.lineIndex }, 'request execution failed');
      });
  }

  private async execute(row: ClaimedRow, slot: BatchSlot, lane: Lane): Promise<void> {
    if (isBlocked(lane.share)) {
      lane.parked.push({ row, slot });
      return;
    }
    this.inFlight++;
    try {
      this.settle(row, await this.attempt(row, slot, lane), slot, lane);
    } finally {
      this.inFlight--;
      if (lane.queue.size < 2 * lane.share.maxConcurrency) this.hooks.onRoom();
    }
  }

  /** One send of a line; whatever goes wrong becomes an Attempt (never an error that strands it). */
  private async attempt(row: ClaimedRow, slot: BatchSlot, lane: Lane): Promise<Attempt | AbortReason | 'parked'> {
    const { signal } = slot;
    const ctx = { attempt: row.attempts, maxRetries: lane.config.maxRetries, backoff: this.backoff };
    if (!signal.aborted && lane.rate.limited && !(await this.paced(row, lane, signal))) {
      return signal.aborted ? (signal.reason as AbortReason) : 'parked';
    }
    try {
      if (signal.aborted) return signal.reason as AbortReason;
      const response = await this.providers
        .get(row.provider)!
        .send({ endpoint: slot.endpoint, body: row.body, signal, model: row.model, batchId: row.batchId });
      return attemptOfResponse(response, ctx);
    } catch (error) {
      return signal.aborted ? (signal.reason as AbortReason) : attemptOfError(error, ctx);
    }
  }

  /** Wait for the rate limit; false when the wait ended early (the batch aborted, or the share became zero). */
  private async paced(row: ClaimedRow, lane: Lane, signal: AbortSignal): Promise<boolean> {
    const tokens = estimateTokens(row.body, this.deps.config.models.get(row.model)?.contextLength);
    try {
      await lane.rate.acquire(tokens, AbortSignal.any([signal, lane.blocking.signal]));
      return true;
    } catch {
      return false;
    }
  }

  private settle(row: ClaimedRow, attempt: Attempt | AbortReason | 'parked', slot: BatchSlot, lane: Lane): void {
    if (attempt === 'shutdown') return; // its chunk is released by the worker's stop
    // Parks it again, or queues it if the share is back already.
    if (attempt === 'parked') this.dispatch(row, slot, lane);
    else if (typeof attempt === 'string') this.hooks.onEnd(row, noAnswer(attempt));
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
