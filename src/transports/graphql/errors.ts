// Errors of the GraphQL transport, mapped in this one place: AppError → GraphQLError with
// `extensions.code` (resolver errors, via Yoga's maskError), admission failures and Yoga's body
// limit → request errors with an HTTP status (401, 429 + Retry-After, 413), and HTTP-level failures
// before Yoga runs (CSRF, malformed multipart, oversized uploads) → a GraphQL-shaped JSON body.
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { AppError, type AppErrorCode, asAppError } from '../../domain/errors.js';
import { JSON_BODY_LIMIT_BYTES } from '../body-limit.js';
import { HTTP_STATUS, retryAfterSeconds } from '../http-status.js';

const CODE: Record<AppErrorCode, string> = {
  invalid_request: 'BAD_USER_INPUT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  quota_exceeded: 'STORAGE_QUOTA_EXCEEDED',
  rate_limited: 'RATE_LIMITED',
  unavailable: 'SERVICE_UNAVAILABLE',
};

/** The AppError behind an error, however deeply GraphQL wrapped it (an unreachable database is one). */
export function findAppError(error: unknown): AppError | undefined {
  for (let e = error; e; e = (e as { originalError?: unknown }).originalError) {
    const appError = asAppError(e);
    if (appError) return appError;
    if (!(e instanceof Error)) return undefined;
  }
  return undefined;
}

function extensionsOf(error: AppError): Record<string, unknown> {
  return {
    code: CODE[error.code],
    ...(error.param ? { param: error.param } : {}),
    ...(error.options.retryAfterMs !== undefined ? { retryAfterMs: error.options.retryAfterMs } : {}),
  };
}

/**
 * An AppError as a GraphQL error, keeping the location and path of the field that threw it. An
 * unreachable database fails the whole response with 503 and Retry-After, as on REST.
 */
function toGraphQLError(error: AppError, located?: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: error.code === 'unavailable' ? requestError(error).extensions : extensionsOf(error),
  });
}

/** Yoga's refusal of a body over `maxRequestBodySize`, by its declared length or as it streamed in. */
export function isBodyTooLarge(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions.code === 'REQUEST_ENTITY_TOO_LARGE';
}

/**
 * Yoga's `maskError`: domain errors keep their message and code, a body over the limit is
 * PAYLOAD_TOO_LARGE (413) as on the other faces, and anything unexpected is masked.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (isBodyTooLarge(error)) {
    return requestError(
      new AppError('payload_too_large', `A GraphQL request body is at most ${JSON_BODY_LIMIT_BYTES} bytes.`),
    );
  }
  const appError = findAppError(error);
  if (appError) return toGraphQLError(appError, error instanceof GraphQLError ? error : undefined);
  return yogaMaskError(error, message, isDev);
}

/** A failed admission as a request error; Yoga turns `extensions.http` into the response status and headers. */
export function requestError(appError: AppError): GraphQLError {
  const status = HTTP_STATUS[appError.code];
  const headers: Record<string, string> = {};
  if (appError.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  if (appError.options.retryAfterMs !== undefined) {
    headers['retry-after'] = retryAfterSeconds(appError.options.retryAfterMs);
  }
  return new GraphQLError(appError.message, { extensions: { ...extensionsOf(appError), http: { status, headers } } });
}

/** A request error for graphql-ws, which has no response status: masked if unexpected, HTTP hints dropped. */
export function socketError(error: unknown): GraphQLError {
  const masked = maskError(error, 'Unexpected error.') as GraphQLError;
  const { http: _http, ...extensions } = masked.extensions;
  return new GraphQLError(masked.message, { nodes: masked.nodes, path: masked.path, extensions });
}

/** HTTP status and code of a failure outside GraphQL execution (Fastify and graphql-upload-minimal set `statusCode`/`status`). */
function httpFailure(error: unknown): { status: number; code: string } {
  const appError = findAppError(error);
  if (appError) return { status: HTTP_STATUS[appError.code], code: CODE[appError.code] };
  const { statusCode, status: raw } = error as { statusCode?: number; status?: number };
  const status = statusCode ?? raw ?? 500;
  if (status === 413) return { status, code: 'PAYLOAD_TOO_LARGE' };
  return { status, code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' };
}

/** Failures before Yoga sees the request, answered as GraphQL over HTTP would: `{errors:[…]}`. */
export function sendHttpError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, code } = httpFailure(error);
  if (status >= 500) reply.log.error({ err: error }, 'graphql transport error');
  const message = status < 500 && error instanceof Error ? error.message : 'Unexpected error.';
  return reply
    .status(status)
    .type('application/json; charset=utf-8')
    .send({ errors: [{ message, extensions: { code } }] });
}

/** Queries for one object answer null for a missing object, or one of another project. */
export async function nullIfNotFound<T>(pending: Promise<T>): Promise<T | null> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
}

/** An error for the HTTP layer (before Yoga), answered by `sendHttpError` with this status. */
export function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode });
}
