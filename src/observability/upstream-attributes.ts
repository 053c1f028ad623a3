// What an upstream call's span says about it, in OpenTelemetry's GenAI vocabulary: the operation
// of an endpoint, the model and token usage of an answer, and the type of a failure.
import type { Attributes } from '@opentelemetry/api';
import { tokensOf } from '../engine/usage.js';
import { type ProviderResponse, ProviderTimeoutError } from '../providers/provider.js';

const OPERATIONS: Record<string, string> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'chat',
  '/v1/completions': 'text_completion',
  '/v1/embeddings': 'embeddings',
  '/v1/moderations': 'moderation',
};

/** `gen_ai.operation.name` of a batch endpoint. */
export const operationOf = (endpoint: string): string => OPERATIONS[endpoint] ?? 'chat';

/** Response model and token usage of an answer; `error.type` (its status code) when it is an error. */
export function responseAttributes(response: ProviderResponse): Attributes {
  const attributes: Attributes = {};
  if (response.statusCode >= 400) attributes['error.type'] = String(response.statusCode);
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return attributes;
  }
  const model = (body as { model?: unknown } | null)?.model;
  if (typeof model === 'string') attributes['gen_ai.response.model'] = model;
  if ((body as { usage?: unknown } | null)?.usage) {
    const tokens = tokensOf(body);
    attributes['gen_ai.usage.input_tokens'] = tokens.input;
    attributes['gen_ai.usage.output_tokens'] = tokens.output;
  }
  return attributes;
}

/** `error.type` of a call that got no answer: `timeout`, an error code (ECONNREFUSED, …) or the error's name. */
export function errorType(error: unknown): string {
  if (error instanceof ProviderTimeoutError) return 'timeout';
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && code) return code;
  return typeof name === 'string' && name ? name : '_OTHER';
}
