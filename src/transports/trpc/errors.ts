// Every error a tRPC client sees, decided in one place: AppError codes → TRPCError codes, zod input
// issues → BAD_REQUEST with a readable message, anything unexpected → a generic INTERNAL_SERVER_ERROR.

import { type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import { AppError, type AppErrorCode, asAppError, invalidFieldMessage } from '../../domain/errors.js';
import { retryAfterSeconds } from '../http-status.js';

const CODES: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  invalid_request: 'BAD_REQUEST',
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  quota_exceeded: 'PAYLOAD_TOO_LARGE',
  rate_limited: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
};

const INTERNAL_MESSAGE = 'The server had an error processing your request.';

interface Issue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

/** The first input issue of a zod (or any Standard Schema) failure, if that is what `cause` is. */
function firstIssue(cause: unknown): { param: string | null; message: string } | undefined {
  const issue = (cause as { issues?: Issue[] } | undefined)?.issues?.[0];
  if (!issue) return undefined;
  const param = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || null;
  // Worded like the domain's own input errors: "Invalid 'metadata.k': …".
  return { param, message: param ? invalidFieldMessage(param, issue.message) : issue.message };
}

/** Map anything thrown by a procedure (or by a subscription while it streams) to the TRPCError a client sees. */
export function toTRPCError(error: unknown): TRPCError {
  const cause = error instanceof TRPCError && error.cause ? error.cause : error;
  const appError = asAppError(cause);
  if (appError) return new TRPCError({ code: CODES[appError.code], message: appError.message, cause: appError });
  if (error instanceof TRPCError) {
    const issue = firstIssue(error.cause);
    if (error.code === 'BAD_REQUEST' && issue) {
      return new TRPCError({ code: 'BAD_REQUEST', message: issue.message, cause: error.cause });
    }
    if (error.code !== 'INTERNAL_SERVER_ERROR') return error;
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_MESSAGE, cause });
}

/** Extra fields in an error's `data`: the offending parameter and, when rate-limited, when to retry. */
export function errorData(error: TRPCError): { param: string | null; retryAfterMs: number | null } {
  const cause = error.cause instanceof AppError ? error.cause : undefined;
  return {
    param: cause ? cause.param : (firstIssue(error.cause)?.param ?? null),
    retryAfterMs: cause?.options.retryAfterMs ?? null,
  };
}

/** Retry-After (seconds) for a response carrying an error that says when to try again (429, 503). */
export function retryAfterHeaders(errors: readonly TRPCError[]): Record<string, string> | undefined {
  const ms = errors.map((e) => errorData(e).retryAfterMs).find((v) => v !== null);
  return ms === undefined || ms === null ? undefined : { 'retry-after': retryAfterSeconds(ms) };
}
