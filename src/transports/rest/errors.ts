// AppError (and Fastify's own errors) → OpenAI's error shape, in one place:
// {"error":{"message","type","param","code"}} with the matching HTTP status.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, type AppErrorCode, asAppError, invalidFieldMessage } from '../../domain/errors.js';
import { HTTP_STATUS, retryAfterSeconds } from '../http-status.js';

const TYPE: Partial<Record<AppErrorCode, string>> = {
  rate_limited: 'requests',
  unauthenticated: 'invalid_request_error',
  unavailable: 'server_error',
};
const CODE: Partial<Record<AppErrorCode, string>> = {
  unauthenticated: 'invalid_api_key',
  not_found: 'not_found',
  conflict: 'conflict',
  payload_too_large: 'file_too_large',
  quota_exceeded: 'storage_quota_exceeded',
  rate_limited: 'rate_limit_exceeded',
  unavailable: 'database_unavailable',
};

/**
 * REST speaks snake_case: `inputFileId` in a domain error is `input_file_id` to an OpenAI client,
 * in `param` and in the message alike. Only the field name changes; what follows it
 * (`metadata.myKey`, `expires_after[Key]`) is the client's own keys.
 */
const snake = (param: string): string =>
  param.replace(/^\w+/, (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

/** The message and param of an error as REST shows them. */
function restWording(error: AppError): { message: string; param: string | null } {
  const param = error.param === null ? null : snake(error.param);
  const { reason } = error.options;
  return {
    message: param !== null && reason !== undefined ? invalidFieldMessage(param, reason) : error.message,
    param,
  };
}

export interface OpenAIError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(message: string, type: string, param: string | null, code: string | null): OpenAIError {
  return { error: { message, type, param, code } };
}

export function sendError(reply: FastifyReply, error: unknown, request?: FastifyRequest): FastifyReply {
  const appError = asAppError(error);
  if (appError) {
    if (appError.options.retryAfterMs !== undefined) {
      reply.header('retry-after', retryAfterSeconds(appError.options.retryAfterMs));
    }
    const { message, param } = restWording(appError);
    const body = openAIError(
      message,
      TYPE[appError.code] ?? 'invalid_request_error',
      param,
      CODE[appError.code] ?? null,
    );
    return reply.status(HTTP_STATUS[appError.code]).send(body);
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = status === 413 ? 'file_too_large' : (fastifyError.code ?? null);
    return reply.status(status).send(openAIError(fastifyError.message, 'invalid_request_error', null, code));
  }
  request?.log.error({ err: error }, 'unhandled error');
  return reply
    .status(500)
    .send(openAIError('The server had an error processing your request.', 'server_error', null, null));
}
