// When to try a request again, and how long to wait: 408/409/429/5xx (`isRetryableStatus` in
// providers/provider.ts), timeouts and connection errors are retried with exponential backoff and
// equal jitter, honouring the upstream's `retry-after-ms` / `Retry-After`; every other 4xx is final
// at once. The executor waits out the delay in memory, its chunk still leased to it (a crash starts
// the line's attempts again).

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

type Headers = Record<string, string | string[] | undefined>;

/** A response header's (first) value. */
export const headerValue = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The delay the upstream asked for, if any: `retry-after-ms`, then `Retry-After` (seconds or an HTTP date). */
export function requestedDelayMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headerValue(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const after = headerValue(headers, 'retry-after');
  if (after === undefined) return undefined;
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff for the attempt that just failed (1-based), unless the upstream named a delay. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, requested?: number, random = Math.random): number {
  if (requested !== undefined) return Math.min(requested, 24 * 60 * 60 * 1000);
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
