// Failures of native-batch calls (submit, poll, cancel, results), classified once: a 4xx from the
// provider (bad key, unknown batch, quota such as OpenAI's `token_limit_exceeded`) is permanent and
// carries the provider's message; 408/409/429 (unless the quota is spent), 5xx, timeouts and
// connection errors are worth trying again. An abort by the caller's signal is passed through as is.
import { readAnthropicError } from '../anthropic/errors.js';
import { isRetryableStatus } from '../provider.js';

export interface NativeBatchErrorDetails {
  statusCode?: number;
  code?: string | null;
  param?: string | null;
  /** 1-based input line the failure is about. */
  line?: number | null;
}

export class NativeBatchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly details: NativeBatchErrorDetails = {},
  ) {
    super(message);
    this.name = 'NativeBatchError';
  }
}

/** 429s that no amount of waiting fixes. */
const SPENT_QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);

const spentQuota = (status: number, code: string | null) =>
  status === 429 && code !== null && SPENT_QUOTA_CODES.has(code);

/** What the SDKs' APIError classes have in common (both name their status and parsed body). */
interface SdkErrorLike {
  name?: string;
  message?: string;
  status?: number;
  error?: unknown;
  code?: unknown;
  param?: unknown;
}

function providerDetail(error: SdkErrorLike): { message: string; code: string | null; param: string | null } {
  const anthropic = readAnthropicError(error.error);
  if (anthropic) return { message: anthropic.message, code: anthropic.type, param: null };
  const body = (error.error ?? {}) as { message?: unknown; code?: unknown; param?: unknown };
  return {
    message: typeof body.message === 'string' ? body.message : (error.message ?? 'unknown error'),
    code: typeof (error.code ?? body.code) === 'string' ? String(error.code ?? body.code) : null,
    param: typeof (error.param ?? body.param) === 'string' ? String(error.param ?? body.param) : null,
  };
}

export const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'AbortError' || error.constructor.name === 'APIUserAbortError');

/** Classify anything a native-batch call threw. Aborts are rethrown untouched. */
export function classifyNativeError(error: unknown, doing: string): NativeBatchError {
  if (error instanceof NativeBatchError) return error;
  if (isAbort(error)) throw error;
  const sdk = (error ?? {}) as SdkErrorLike;
  if (typeof sdk.status === 'number') {
    const { message, code, param } = providerDetail(sdk);
    const retryable = isRetryableStatus(sdk.status) && !spentQuota(sdk.status, code);
    return new NativeBatchError(`${doing}: provider answered ${sdk.status}: ${message}`, retryable, {
      statusCode: sdk.status,
      code,
      param,
    });
  }
  const cause = error instanceof Error ? error.message : String(error);
  return new NativeBatchError(`${doing}: ${cause}`, true);
}

/** Run one provider call, turning whatever it throws into a NativeBatchError. */
export async function classified<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyNativeError(error, doing);
  }
}

/** Errors thrown while a results stream is read are classified like any other call. */
export async function* classifiedStream<T>(doing: string, stream: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = stream[Symbol.asyncIterator]();
  while (true) {
    const next = await classified(doing, () => iterator.next());
    if (next.done) return;
    yield next.value;
  }
}
