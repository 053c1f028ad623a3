// The native poller: drives the parts of running batches handed to a provider's own batch API
// (provider_batches), from any worker, one leased part at a time:
//   submitting — look for a provider batch a crash left behind (OpenAI type: tagged with our
//                batch id), else stream the lines up and create one; its id is stored at once
//   running    — poll it and mirror its status and counts onto our batch; forward a cancel (ours,
//                or our deadline passing) once; when it has ended, collect its results
//   collect    — download the results to a temporary file, then store them in the lines' rows
//                (batch prices) and end the lines with no result (batch_expired, batch_cancelled
//                or provider_result_missing) in one short transaction; the batch is then
//                finalized like any other
// Every write is fenced by the part's lease: a worker whose lease lapsed writes nothing.
// A provider refusing or failing the batch fails ours with its message (lifecycle.failRun);
// failures worth retrying wait longer each time (up to 10 minutes), never submitting twice.
import { eq } from 'drizzle-orm';
import { type RowOutcome, recordOutcomes } from '../db/queries/batch-requests.js';
import { NO_ANSWER_MESSAGES, type NoAnswerCode, noAnswer } from '../db/queries/no-answer.js';
import {
  endNativeLines,
  leaseDueProviderBatches,
  markCollected,
  nativeLineRefs,
  nativeLinesPage,
  type ProviderBatchChange,
  type ProviderBatchRow,
  refreshBatchMirror,
  saveProviderBatch,
  storedProviderBatchId,
} from '../db/queries/provider-batches.js';
import { type BatchErrorEntry, batches } from '../db/tables/batches.js';
import { isTerminal } from '../domain/batches/batch.js';
import { announce, type BatchRow, cancel, failRun } from '../domain/batches/lifecycle.js';
import { unixSeconds } from '../domain/clock.js';
import type { Deps } from '../domain/deps.js';
import { NativeBatchError } from '../providers/native/errors.js';
import type { NativeBatchAdapters } from '../providers/native/index.js';
import {
  lineLookupOf,
  type NativeBatchAdapter,
  type NativeBatchSnapshot,
  type NativeLine,
  type NativeResult,
} from '../providers/native/native-batch.js';
import { missingResultCode } from '../providers/native/status.js';
import { answerOf, type LineEnd, rowOutcomeOf } from './line-end.js';
import { Signal } from './signal.js';
import { JsonSpool } from './spool.js';

const MAX_BACKOFF_MS = 10 * 60 * 1000;
/** Results are recorded this many lines a statement. */
const RECORD_PAGE = 500;

const KNOWN_CODES = new Set<string>(Object.keys(NO_ANSWER_MESSAGES));

/** A downloaded result: the row it ends, and the model of its line (for the metrics). */
interface Collected {
  model: string;
  outcome: RowOutcome;
}

export interface NativePollerOptions {
  leaseMs: number;
  idlePollMs: number;
}

export class NativePoller {
  private readonly due = new Signal();
  /** The parts leased by the last look, until each has been worked on (saving one releases its lease). */
  private leased: ProviderBatchRow[] = [];

  constructor(
    private readonly deps: Deps,
    private readonly adapters: NativeBatchAdapters,
    private readonly owner: string,
    private readonly options: NativePollerOptions,
    private readonly hooks: { batchEnded(batchId: string): void },
  ) {}

  /** Something changed (a cancel, a new batch): look now rather than at the next idle poll. */
  wake(): void {
    this.due.poke();
  }

  /** Parts are leased to this worker and being worked on: their leases need renewing. */
  get holdsLeases(): boolean {
    return this.leased.length > 0;
  }

  async loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const due = await leaseDueProviderBatches(
        this.deps.database,
        this.owner,
        this.deps.clock.now(),
        this.options.leaseMs,
      );
      this.leased = due;
      try {
        for (const part of due) {
          if (stop.aborted) return;
          await this.advance(part, stop).catch((error) => this.failed(part, error));
        }
      } finally {
        this.leased = [];
      }
      if (due.length === 0) await this.due.wait(this.options.idlePollMs, stop);
    }
  }

  private pollMs(provider: string): number {
    const config = this.deps.config.providers[provider];
    return config && config.type !== 'mock' ? config.nativePollMs : 30_000;
  }

  private later(provider: string, failures = 0): Date {
    const wait = Math.min(MAX_BACKOFF_MS, this.pollMs(provider) * 2 ** failures);
    return new Date(this.deps.clock.now().getTime() + wait);
  }

  private async advance(part: ProviderBatchRow, stop: AbortSignal): Promise<void> {
    const [batch] = await this.deps.db.select().from(batches).where(eq(batches.id, part.batchId));
    const adapter = this.adapters.get(part.provider);
    if (!batch) return;
    const now = this.deps.clock.now();
    const overdue = batch.expiresAt.getTime() <= now.getTime();
    const stopping = batch.status === 'cancelling' || overdue || isTerminal(batch.status);
    if (!adapter) {
      // The provider lost `nativeBatch` (or its entry) since the batch was validated.
      return this.collect(part, batch, null, 'upstream_unreachable');
    }
    if (part.state === 'submitting') {
      if (stopping) return this.collect(part, batch, null, overdue ? 'batch_expired' : 'batch_cancelled');
      const createdAfter = (unixSeconds(batch.createdAt) ?? 0) - 300;
      const found = adapter.findExisting ? await adapter.findExisting(batch.id, createdAfter, stop) : null;
      const snapshot =
        found ??
        (await adapter.submit({
          batchgateBatchId: batch.id,
          endpoint: batch.endpoint ?? '/v1/chat/completions',
          lines: this.linesOf(part),
          signal: stop,
        }));
      const change = { state: 'running', providerBatchId: snapshot.id, submittedAt: now } as const;
      if (!(await this.save(part, snapshot, change)) && !found) await this.withdraw(part, adapter, snapshot.id);
      return;
    }
    const id = part.providerBatchId!;
    const cancelNow = stopping && !part.cancelSentAt;
    const snapshot = cancelNow ? await adapter.cancel(id, stop) : await adapter.poll(id, stop);
    if (snapshot.endStatus === 'failed') return this.failBatch(part, snapshot.errors);
    // Cancelled at the provider by someone else: ours follows (not when we asked, at our deadline).
    const cancelledThere = snapshot.status === 'cancelling' || snapshot.endStatus === 'cancelled';
    if (cancelledThere && !stopping && !part.cancelSentAt && batch.status === 'in_progress') {
      await cancel(this.deps, batch.id);
    }
    if (snapshot.endStatus) {
      const cancelled = cancelNow || part.cancelSentAt !== null || batch.status === 'cancelling';
      const missing = overdue ? 'batch_expired' : cancelled ? 'batch_cancelled' : missingResultCode(snapshot.endStatus);
      return this.collect(part, batch, snapshot, missing, stop);
    }
    await this.save(part, snapshot, cancelNow ? { cancelSentAt: now } : {});
  }

  /**
   * Store a snapshot, schedule the next poll, mirror it onto the batch and announce any change.
   * False when the part's lease was lost (nothing stored).
   */
  private async save(
    part: ProviderBatchRow,
    snapshot: NativeBatchSnapshot,
    change: Partial<ProviderBatchChange>,
  ): Promise<boolean> {
    const counts = { completed: snapshot.requestCounts.completed, failed: snapshot.requestCounts.failed };
    const saved = await saveProviderBatch(this.deps.db, part, this.owner, {
      status: snapshot.status,
      counts,
      nextPollAt: this.later(part.provider),
      failures: 0,
      ...change,
    });
    if (!saved) {
      this.lost(part);
      return false;
    }
    const changed =
      part.status !== snapshot.status || part.completed !== counts.completed || part.failed !== counts.failed;
    const mirrored = await refreshBatchMirror(this.deps.database.query, part.batchId);
    if (mirrored && (changed || change.providerBatchId)) await announce(this.deps, mirrored);
    return true;
  }

  /**
   * This worker created provider batch `id` after its lease lapsed (its heartbeat could not reach
   * the database for a whole lease). Once the worker that took over stored another provider batch,
   * ours is never adopted and is cancelled; while that one is still submitting, it may still find
   * and adopt ours, so it is left alone and logged for an operator.
   */
  private async withdraw(part: ProviderBatchRow, adapter: NativeBatchAdapter, id: string): Promise<void> {
    const adopted = await storedProviderBatchId(this.deps.db, part);
    if (adopted && adopted !== id) {
      await adapter.cancel(id).catch(() => {});
      this.deps.log.warn({ batch: part.batchId, providerBatch: id }, 'a second provider batch was cancelled');
    } else if (!adopted) {
      this.deps.log.error(
        { batch: part.batchId, provider: part.provider, providerBatch: id },
        'a provider batch was created after this worker lost its lease; cancel it if another one is adopted',
      );
    }
  }

  /** The part's lines in input order, read a page at a time while the submission streams them up. */
  private async *linesOf(part: ProviderBatchRow): AsyncGenerator<NativeLine> {
    for (let after = -1; ; ) {
      const page = await nativeLinesPage(this.deps.database, part.batchId, part.provider, after);
      yield* page;
      if (page.length === 0) return;
      after = page.at(-1)!.lineIndex;
    }
  }

  /**
   * Store every result (when the provider batch exists and ended) and end the lines without one
   * with `missing`, in one transaction: the batch's counts move from the provider's mirror to its
   * rows at once. The results are downloaded first, so the transaction never waits on the provider.
   * Then the batch is finalized like any batch whose lines have all ended.
   */
  private async collect(
    part: ProviderBatchRow,
    batch: BatchRow,
    snapshot: NativeBatchSnapshot | null,
    missing: NoAnswerCode,
    stop?: AbortSignal,
  ): Promise<void> {
    const adapter = this.adapters.get(part.provider);
    const spool = await JsonSpool.open<Collected>();
    try {
      if (adapter && snapshot) await this.download(part, adapter, spool, stop);
      const now = this.deps.clock.now();
      const last = snapshot && { status: snapshot.status, ...snapshot.requestCounts };
      const collected = await this.deps.database.transaction(async (query) => {
        if (!(await markCollected(query, part, this.owner, last))) return null;
        let page: RowOutcome[] = [];
        for await (const { outcome } of spool.read()) {
          page.push(outcome);
          if (page.length >= RECORD_PAGE) {
            await recordOutcomes(query, this.owner, page, [], now);
            page = [];
          }
        }
        await recordOutcomes(query, this.owner, page, [], now);
        const unanswered = await endNativeLines(query, part.batchId, part.provider, missing, now);
        await refreshBatchMirror(query, part.batchId);
        return unanswered;
      });
      if (!collected) return this.lost(part);
      for await (const { model, outcome } of spool.read()) this.deps.metrics.lineEnded(part.provider, model, outcome);
      for (const { model, ended } of collected) this.deps.metrics.linesEndedUnanswered(part.provider, model, ended);
    } finally {
      await spool.remove();
    }
    this.deps.log.info(
      { batch: batch.id, provider: part.provider, providerBatch: part.providerBatchId },
      'native results collected',
    );
    this.hooks.batchEnded(batch.id);
  }

  /** The provider batch's results, as the rows they end, into `spool`. */
  private async download(
    part: ProviderBatchRow,
    adapter: NativeBatchAdapter,
    spool: JsonSpool<Collected>,
    stop?: AbortSignal,
  ): Promise<void> {
    const lines = await nativeLineRefs(this.deps.database, part.batchId, part.provider);
    const modelOf = new Map(lines.map((line) => [line.lineIndex, line.model]));
    for await (const result of adapter.results(part.providerBatchId!, lineLookupOf(adapter, lines), stop)) {
      if (result.kind === 'anomaly') {
        this.deps.log.warn(
          { batch: part.batchId, ...result },
          'native results: a line that matches no input line was skipped',
        );
        continue;
      }
      const model = modelOf.get(result.line.lineIndex) ?? '';
      await spool.add({ model, outcome: this.outcomeOf(result, part.batchId, model) });
    }
  }

  /** The part's lease lapsed while this worker worked on it: another worker has it now. */
  private lost(part: ProviderBatchRow): void {
    this.deps.log.warn(
      { batch: part.batchId, provider: part.provider, worker: this.owner },
      'a native batch was taken over by another worker; this worker wrote nothing',
    );
  }

  /** One result as the row it ends. */
  private outcomeOf(result: Exclude<NativeResult, { kind: 'anomaly' }>, batchId: string, model: string): RowOutcome {
    const line = { batchId, lineIndex: result.line.lineIndex };
    const end: LineEnd =
      result.kind === 'answer'
        ? answerOf(result.statusCode, result.requestId, result.body)
        : // Our own words: a provider's message can name its internals.
          noAnswer(KNOWN_CODES.has(result.code) ? (result.code as NoAnswerCode) : 'provider_result_missing');
    return rowOutcomeOf(line, end, this.deps.config.models.get(model)?.batchPrices);
  }

  /** The provider refused or failed the part: our batch fails with its reasons. */
  private async failBatch(part: ProviderBatchRow, errors: BatchErrorEntry[]): Promise<void> {
    const saved = await saveProviderBatch(this.deps.db, part, this.owner, {
      state: 'failed',
      status: 'failed',
      errors,
      nextPollAt: this.deps.clock.now(),
      failures: part.failures,
    });
    if (!saved) return this.lost(part);
    await refreshBatchMirror(this.deps.database.query, part.batchId);
    await failRun(this.deps, part.batchId, errors);
  }

  private async failed(part: ProviderBatchRow, error: unknown): Promise<void> {
    const permanent = error instanceof NativeBatchError && !error.retryable;
    this.deps.log.warn(
      { err: error, batch: part.batchId, provider: part.provider, permanent },
      permanent ? 'the provider refused a native batch' : 'a native batch call failed; trying again later',
    );
    try {
      if (permanent) {
        const { code, param, line } = error.details;
        await this.failBatch(part, [
          { code: code ?? 'provider_error', message: error.message, param: param ?? null, line: line ?? null },
        ]);
        return;
      }
      await saveProviderBatch(this.deps.db, part, this.owner, {
        nextPollAt: this.later(part.provider, part.failures + 1),
        failures: part.failures + 1,
      });
    } catch (cause) {
      // The database is away too: the lease lapses and the part is tried again.
      this.deps.log.warn({ err: cause, batch: part.batchId }, 'recording a native batch failure failed');
    }
  }
}
