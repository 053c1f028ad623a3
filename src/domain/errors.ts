// AppError: the one error type of the domain. Each transport maps its `code` once
// (REST → HTTP status + OpenAI error body, GraphQL → extensions.code, tRPC → TRPCError code).
import type { z } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable.js';

export type AppErrorCode =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'quota_exceeded'
  | 'rate_limited'
  | 'unavailable';

/** How an invalid field reads, with `param` named as the face names it: "Invalid 'x.y': reason". */
export const invalidFieldMessage = (param: string, reason: string): string => `Invalid '${param}': ${reason}`;

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly options: {
      param?: string | null;
      /** Why `param` is invalid, when the message is `invalidFieldMessage(param, reason)`. */
      reason?: string;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get param(): string | null {
    return this.options.param ?? null;
  }
}

/** How long a client is told to wait before trying again while the database is away. */
const DATABASE_RETRY_AFTER_MS = 5000;

export const databaseUnavailable = () =>
  new AppError('unavailable', 'The database is unavailable; try again shortly.', {
    retryAfterMs: DATABASE_RETRY_AFTER_MS,
  });

/** The AppError an error stands for: itself, or `unavailable` when the database could not be reached. */
export function asAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  return isDatabaseUnavailable(error) ? databaseUnavailable() : undefined;
}

export const notFound = (what: string, id: string) => new AppError('not_found', `No ${what} found with id '${id}'.`);

/**
 * An `invalid_request` for the field `param` (the domain's names: `outputExpiresAfter.seconds`). The
 * reason is kept apart so that a face naming fields otherwise (REST: snake_case) words it anew.
 */
export function invalidField(param: string, reason: string): AppError {
  return new AppError('invalid_request', invalidFieldMessage(param, reason), { param, reason });
}

/** Parse with a zod schema; the first issue becomes an `invalid_request` naming its parameter. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.path.length > 0) throw invalidField(issue.path.map(String).join('.'), issue.message);
  throw new AppError('invalid_request', issue.message, { param: null });
}
