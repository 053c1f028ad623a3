// The outcome writer: buffers the ends of lines and records them, with the chunks whose lines have
// all ended, in one statement per flush (counts, tokens and cost added exactly once; finished
// chunks deleted). It writes when the buffer is full, `flushDelayMs` after the first buffered end,
// or at once when nothing else is coming (the end of a batch). It then publishes progress
// (throttled) and reports batches whose every line has ended, to finalize. It also keeps which
// chunks this process holds, and gives back chunks handed back to it only after a write that
// holds every end recorded before (so whoever takes them next never sends an ended line again).
// Every wait takes the stop signal.
import {
  type ChunkKey,
  type ClaimedRow,
  chunkKey,
  type RowOutcome,
  recordOutcomes,
  releaseChunksOf,
} from '../db/queries/batch-requests.js';
import type { Deps } from '../domain/deps.js';
import { ProgressThrottle } from './events.js';
import { type LineEnd, rowOutcomeOf } from './line-end.js';
import { Signal } from './signal.js';

export interface OutcomeWriterOptions {
  flushRows: number;
  flushDelayMs: number;
  idlePollMs: number;
  progressIntervalMs: number;
}

export interface OutcomeWriterHooks {
  /** At most `inFlight` requests in flight and none queued: nothing else will end soon. */
  quiet(inFlight?: number): boolean;
  /** Every line of this batch has ended. */
  batchEnded(batchId: string): void;
  /** Chunks were finished and deleted: there may be room to claim. */
  chunksFreed(): void;
}

interface HeldChunk extends ChunkKey {
  /** Its lines without a final outcome yet. */
  open: number;
}

export class OutcomeWriter {
  /** Chunks leased to this process and not yet deleted. */
  private readonly chunks = new Map<string, HeldChunk>();
  private buffer: RowOutcome[] = [];
  /** Chunks whose every line has an outcome buffered or written: deleted with the next write. */
  private finished: ChunkKey[] = [];
  /** Chunks handed back with open lines: released after the next write. */
  private returning: ChunkKey[] = [];
  private readonly buffered = new Signal();
  private readonly due = new Signal();
  private readonly progress: ProgressThrottle;
  /** Diagnostics: lines recorded, write statements and their time. */
  readonly stats = { recorded: 0, flushes: 0, flushMs: 0 };

  constructor(
    private readonly deps: Pick<Deps, 'database' | 'config' | 'clock' | 'events' | 'log' | 'metrics' | 'liveness'>,
    private readonly owner: string,
    private readonly options: OutcomeWriterOptions,
    private readonly hooks: OutcomeWriterHooks,
  ) {
    this.progress = new ProgressThrottle(deps.events, options.progressIntervalMs);
  }

  /** Take a claimed chunk; false when this process holds it already (its lease lapsed and was re-claimed). */
  hold(chunk: ChunkKey, open: number): boolean {
    const key = chunkKey(chunk);
    if (this.chunks.has(key)) return false;
    this.chunks.set(key, { batchId: chunk.batchId, chunkIndex: chunk.chunkIndex, open });
    if (open === 0) this.finish(chunk);
    return true;
  }

  get holdsChunks(): boolean {
    return this.chunks.size > 0;
  }

  /** Lines of a held chunk without an outcome yet. */
  openLines(chunk: ChunkKey): number {
    return this.chunks.get(chunkKey(chunk))?.open ?? 0;
  }

  /** Give a held chunk back with its open lines (none of them running here any more). */
  handBack(chunk: ChunkKey): void {
    this.returning.push({ batchId: chunk.batchId, chunkIndex: chunk.chunkIndex });
    this.buffered.poke();
  }

  /** The batches this process holds chunks of. */
  heldBatches(): Set<string> {
    return new Set([...this.chunks.values()].map((chunk) => chunk.batchId));
  }

  /** Buffer a line's end for the next write. */
  record(row: ClaimedRow, end: LineEnd): void {
    const outcome = rowOutcomeOf(row, end, this.deps.config.models.get(row.model)?.prices);
    this.buffer.push(outcome);
    this.deps.metrics.lineEnded(row.provider, row.model, outcome);
    const chunk = this.chunks.get(chunkKey(row));
    if (chunk && --chunk.open === 0) this.finish(chunk);
    if (this.buffer.length === 1) this.buffered.poke();
    // Write now when the buffer is full, or when nothing else is coming soon (the end of a batch).
    if (this.buffer.length >= this.options.flushRows || this.hooks.quiet()) this.due.poke();
  }

  private finish(chunk: ChunkKey): void {
    this.finished.push({ batchId: chunk.batchId, chunkIndex: chunk.chunkIndex });
    this.buffered.poke();
  }

  /** Write until stopped; what is buffered at the stop is left to `flush()`. */
  async loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      this.deps.liveness.tick('writer');
      if (this.buffer.length === 0 && this.finished.length === 0 && this.returning.length === 0) {
        await this.buffered.wait(this.options.idlePollMs, stop);
        continue;
      }
      if (this.buffer.length < this.options.flushRows && !this.hooks.quiet(0)) {
        await this.due.wait(this.options.flushDelayMs, stop);
      }
      try {
        await this.flush();
      } catch (error) {
        this.deps.log.error({ err: error, worker: this.owner }, 'recording outcomes failed; retrying');
        await this.due.wait(500, stop);
      }
    }
  }

  /**
   * Write every buffered end and finished chunk in one statement, then release the chunks handed
   * back before it; on failure they stay buffered.
   */
  async flush(): Promise<void> {
    if (this.buffer.length === 0 && this.finished.length === 0 && this.returning.length === 0) return;
    const returning = this.returning;
    this.returning = [];
    // In key order, so concurrent writers lock rows in the same order.
    const outcomes = this.buffer.sort((a, b) =>
      a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : a.lineIndex - b.lineIndex,
    );
    const finished = this.finished;
    this.buffer = [];
    this.finished = [];
    const started = performance.now();
    let progress: Awaited<ReturnType<typeof recordOutcomes>>;
    try {
      progress = await recordOutcomes(this.deps.database.query, this.owner, outcomes, finished, this.deps.clock.now());
    } catch (error) {
      this.buffer = outcomes.concat(this.buffer);
      this.finished = finished.concat(this.finished);
      this.returning = returning.concat(this.returning);
      throw error;
    }
    this.stats.flushes++;
    this.stats.flushMs += performance.now() - started;
    this.stats.recorded += outcomes.length;
    for (const chunk of finished) this.chunks.delete(chunkKey(chunk));
    for (const batch of progress) {
      if (batch.completed + batch.failed >= batch.total) this.hooks.batchEnded(batch.id);
      else this.progress.touch({ id: batch.id, projectId: batch.projectId, status: batch.status });
    }
    if (finished.length > 0) this.hooks.chunksFreed();
    if (returning.length > 0) await this.release(returning);
  }

  /** No longer held from here on (a claim of it is new work); released in the database, retried until it is. */
  private async release(returning: ChunkKey[]): Promise<void> {
    for (const chunk of returning) this.chunks.delete(chunkKey(chunk));
    try {
      await releaseChunksOf(this.deps.database, this.owner, returning);
    } catch (error) {
      this.returning = returning.concat(this.returning);
      throw error;
    }
  }

  /** Forget what is held (the chunks were released). */
  clear(): void {
    this.chunks.clear();
    this.progress.clear();
  }
}
