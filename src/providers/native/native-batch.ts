// The one interface for a provider's own batch API (OpenAI-type Batch API, Anthropic Message
// Batches): submit lines, find a submission a crash may have left behind, poll, cancel, and stream
// the results back as per-line outcomes keyed to our input lines. Durable state (the provider batch
// id, which lines went where) belongs to the caller; adapters hold none between calls.

/** A line handed to a provider batch. `body` is its JSON request body, `model` already the upstream model. */
export interface NativeLine {
  lineIndex: number;
  customId: string;
  body: string;
}

/** Which input line a result belongs to. */
export interface NativeLineRef {
  lineIndex: number;
  customId: string;
}

/** Finds the input line a provider-side custom_id names (see `NativeBatchAdapter.providerCustomId`). */
export type NativeLineLookup = (
  providerCustomId: string,
) => NativeLineRef | undefined | Promise<NativeLineRef | undefined>;

/** A provider batch's status in our vocabulary. */
export type NativeBatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** What our batch becomes once the provider batch has ended and its results are stored. */
export type NativeEndStatus = 'completed' | 'failed' | 'expired' | 'cancelled';

export interface NativeBatchErrorEntry {
  code: string;
  message: string;
  param: string | null;
  /** 1-based input line, when the provider names one. */
  line: number | null;
}

export interface NativeRequestCounts {
  total: number;
  completed: number;
  failed: number;
}

export interface NativeBatchSnapshot {
  /** The provider's batch id (`batch_…`, `msgbatch_…`). */
  id: string;
  /** The status as the provider spells it. */
  providerStatus: string;
  status: NativeBatchStatus;
  /** Null while the provider batch runs; once set, `results()` can be read in full (except for `failed`). */
  endStatus: NativeEndStatus | null;
  requestCounts: NativeRequestCounts;
  /** The provider's reasons when it failed the batch at validation. */
  errors: NativeBatchErrorEntry[];
  /** Unix seconds; null when the provider has not reached that point. */
  createdAt: number;
  expiresAt: number | null;
  endedAt: number | null;
  cancellingAt: number | null;
}

/** The no-answer codes a native batch can end a line with. */
export type NativeNoAnswerCode = 'batch_expired' | 'batch_cancelled' | 'provider_result_missing';

export type NativeResult =
  | {
      kind: 'answer';
      line: NativeLineRef;
      statusCode: number;
      requestId: string | null;
      /** Single-line JSON: a chat.completion (or the endpoint's object), or an OpenAI error body. */
      body: string;
    }
  | { kind: 'no_answer'; line: NativeLineRef; code: NativeNoAnswerCode | (string & {}); message: string }
  | {
      /** A results line that matched no input line, or repeated one already seen, or was not readable. */
      kind: 'anomaly';
      anomaly: 'unknown_custom_id' | 'duplicate_result' | 'unreadable_line';
      /** Which results file (`output`, `error`, `results`) and its 1-based line. */
      source: string;
      lineNumber: number;
      detail: string;
    };

export interface NativeSubmission {
  batchgateBatchId: string;
  /** The batch endpoint, e.g. `/v1/chat/completions`. */
  endpoint: string;
  /** Read once, in order, while the request is sent; never collected whole. */
  lines: AsyncIterable<NativeLine> | Iterable<NativeLine>;
  signal?: AbortSignal;
}

export interface NativeBatchAdapter {
  readonly provider: string;
  readonly kind: 'openai' | 'anthropic';
  /** The custom_id a line carries at the provider: the original, or a surrogate derived from its index. */
  providerCustomId(line: NativeLineRef): string;
  /** Create the provider batch. Errors are `NativeBatchError`s saying whether trying again can help. */
  submit(submission: NativeSubmission): Promise<NativeBatchSnapshot>;
  /**
   * A provider batch already created for this batchgate batch (looking no further back than
   * `createdAfter`, unix seconds), so a retried submission never creates a second one. Absent when
   * the provider cannot tag batches (Anthropic).
   */
  findExisting?(
    batchgateBatchId: string,
    createdAfter: number,
    signal?: AbortSignal,
  ): Promise<NativeBatchSnapshot | null>;
  poll(providerBatchId: string, signal?: AbortSignal): Promise<NativeBatchSnapshot>;
  cancel(providerBatchId: string, signal?: AbortSignal): Promise<NativeBatchSnapshot>;
  /**
   * Every result of an ended provider batch, streamed: at most one outcome per input line (repeats
   * come back as anomalies). Lines with no result are the caller's to end (`missingResultCode`).
   */
  results(providerBatchId: string, lookup: NativeLineLookup, signal?: AbortSignal): AsyncIterable<NativeResult>;
  close(): Promise<void>;
}

/** A lookup over lines the caller already holds, keyed the way the adapter names them upstream. */
export function lineLookupOf(adapter: Pick<NativeBatchAdapter, 'providerCustomId'>, lines: Iterable<NativeLineRef>) {
  const byProviderId = new Map<string, NativeLineRef>();
  for (const { lineIndex, customId } of lines) {
    byProviderId.set(adapter.providerCustomId({ lineIndex, customId }), { lineIndex, customId });
  }
  return (providerCustomId: string) => byProviderId.get(providerCustomId);
}
