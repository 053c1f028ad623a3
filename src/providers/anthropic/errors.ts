// Anthropic errors → OpenAI's error shape. An HTTP error body and an errored batch result carry
// the same envelope, `{type:"error", error:{type, message}, request_id}`: the useful part is the
// nested `error.error`. Its type decides the status code.
import { z } from 'zod';

const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export interface AnthropicErrorDetail {
  type: string;
  message: string;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: null; code: string | null };
}

const Envelope = z.looseObject({
  error: z.looseObject({
    type: z.string(),
    message: z.string().optional(),
    error: z.looseObject({ type: z.string(), message: z.string().optional() }).optional(),
  }),
  request_id: z.string().nullish(),
});

/** The status an Anthropic error type maps to; `fallback` (else 500) for a type not in the table. */
export function statusOfAnthropicError(type: string, fallback = 500): number {
  return ERROR_STATUS[type] ?? fallback;
}

/**
 * The error inside an Anthropic envelope (nested `error.error`, or a flat `error` for a body that
 * skipped the envelope), with the envelope's request id; null when the value carries none.
 */
export function readAnthropicError(value: unknown): (AnthropicErrorDetail & { requestId: string | null }) | null {
  const parsed = Envelope.safeParse(value);
  if (!parsed.success) return null;
  const { error, request_id } = parsed.data;
  const detail = error.error ?? error;
  return { type: detail.type, message: detail.message ?? detail.type, requestId: request_id ?? null };
}

/** The OpenAI error body for an error of this type and message (our own ones may name a `code`). */
export function toOpenAIError(detail: AnthropicErrorDetail, code: string | null = null): OpenAIErrorBody {
  return { error: { message: detail.message, type: detail.type, param: null, code } };
}
