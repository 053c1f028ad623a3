// The HTTP status of each domain error code, and the Retry-After value of those that say when to
// try again, shared by the transports that speak HTTP (REST always; GraphQL for errors that fail a
// whole request; tRPC for refusals before it runs).
import type { AppErrorCode } from '../domain/errors.js';

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  quota_exceeded: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** A Retry-After header value: whole seconds, at least one. */
export const retryAfterSeconds = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));
