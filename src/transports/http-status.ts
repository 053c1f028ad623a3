// The HTTP status of each domain error code, shared by the transports that speak HTTP statuses
// (REST always; GraphQL for errors that fail a whole request).
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
