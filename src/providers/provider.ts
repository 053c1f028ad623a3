// The one interface every upstream implements: send a request body to an endpoint, get the raw
// answer back. Timeouts, connection failures and aborts surface as thrown errors that the engine
// classifies (see engine/line-end.ts).
export interface ProviderRequest {
  /** The batch endpoint, e.g. `/v1/chat/completions`. */
  endpoint: string;
  /** JSON request body, `model` already rewritten to the upstream model. */
  body: string;
  signal?: AbortSignal;
  /** The configured model the line names (for metrics and traces; the body carries the upstream model). */
  model?: string;
  /** The batch the call belongs to (a span attribute, never a metric label). */
  batchId?: string;
}

export interface ProviderResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Provider {
  /** The configured provider name (metrics and traces label upstream calls with it). */
  readonly name: string;
  send(request: ProviderRequest): Promise<ProviderResponse>;
  close(): Promise<void>;
}

/** Upstream statuses worth trying again: timeouts, conflicts, rate limits and server errors. */
export const isRetryableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/** Thrown when no answer arrived within the provider's `timeoutMs`. */
export class ProviderTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No answer from upstream within ${timeoutMs} ms`);
    this.name = 'ProviderTimeoutError';
  }
}
