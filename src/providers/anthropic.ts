// The Anthropic Messages API as a Provider, over an upstream keep-alive pool: a
// `/v1/chat/completions` body is translated to Messages params, sent to `{baseUrl}/messages`, and
// the answer translated back, so the engine sees a `chat.completion` or an OpenAI-shaped error with
// the status its Anthropic type maps to. Upstream headers (retry-after, rate-limit headers) are
// kept so retries honour them; Anthropic's `request-id` is also offered as `x-request-id`.
import type { ProviderConfig } from '../config.js';
import { chatBodyToMessages } from './anthropic/chat-to-messages.js';
import { readAnthropicError, statusOfAnthropicError, toOpenAIError } from './anthropic/errors.js';
import { AnthropicMessage, messageToChat } from './anthropic/message-to-chat.js';
import type { Provider, ProviderRequest, ProviderResponse } from './provider.js';
import { upstreamPool } from './upstream-pool.js';

export type AnthropicProviderConfig = Extract<ProviderConfig, { type: 'anthropic' }>;

export const ANTHROPIC_VERSION = '2023-06-01';

type Headers = ProviderResponse['headers'];

const jsonError = (statusCode: number, type: string, message: string, headers: Headers = {}): ProviderResponse => ({
  statusCode,
  headers,
  body: JSON.stringify(toOpenAIError({ type, message })),
});

export function createAnthropicProvider(config: AnthropicProviderConfig): Provider {
  const pool = upstreamPool(config);
  const path = `${pool.basePath}/messages`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
  };
  if (config.apiKey) headers['x-api-key'] = config.apiKey;

  return {
    name: config.name,
    async send({ endpoint, body, signal }: ProviderRequest): Promise<ProviderResponse> {
      if (endpoint !== '/v1/chat/completions') {
        return jsonError(400, 'invalid_request_error', `The Anthropic provider serves only /v1/chat/completions`);
      }
      const translation = chatBodyToMessages(body, config.maxOutputTokens);
      if (!translation.ok) {
        const { param, message } = translation.problem;
        return jsonError(400, 'invalid_request_error', `${param}: ${message}`);
      }
      const res = await pool.post(path, headers, JSON.stringify(translation.params), signal);
      return translateAnswer(res.statusCode, withRequestId(res.headers), res.body);
    },
    close: () => pool.close(),
  };
}

function withRequestId(headers: Headers): Headers {
  const requestId = headers['request-id'];
  return headers['x-request-id'] === undefined && requestId !== undefined
    ? { ...headers, 'x-request-id': requestId }
    : headers;
}

/** A body that is not what Anthropic documents is passed on as is: the engine treats it as a bad answer. */
function translateAnswer(statusCode: number, headers: Headers, text: string): ProviderResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { statusCode, headers, body: text };
  }
  if (statusCode >= 200 && statusCode < 300) {
    const message = AnthropicMessage.safeParse(json);
    if (!message.success) {
      const problem = `Anthropic answered with a body that is not a message: ${text.slice(0, 500)}`;
      const error = toOpenAIError({ type: 'upstream_error', message: problem }, 'invalid_upstream_response');
      return { statusCode: 502, headers, body: JSON.stringify(error) };
    }
    const created = Math.floor(Date.now() / 1000);
    return { statusCode, headers, body: JSON.stringify(messageToChat(message.data, created)) };
  }
  const detail = readAnthropicError(json);
  if (!detail) return { statusCode, headers, body: text };
  return {
    statusCode: statusOfAnthropicError(detail.type, statusCode),
    headers,
    body: JSON.stringify(toOpenAIError(detail)),
  };
}
