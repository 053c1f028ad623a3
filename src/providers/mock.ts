// The MOCK provider: answers locally, deterministically, in the shape of each OpenAI endpoint, so
// `npm start` demonstrates the whole flow offline (moderations: mock-moderation.ts). Configurable
// latency and failure rate (a request fails with a 500 when a hash of its body falls under
// `failureRate`). Never a real model; nothing is ever read from a cache or spent reasoning.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderConfig } from '../config.js';
import { moderationAnswer } from './mock-moderation.js';
import type { Provider, ProviderRequest, ProviderResponse } from './provider.js';

type MockProviderConfig = Extract<ProviderConfig, { type: 'mock' }>;

const countTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** The text a request carries, whatever the endpoint. */
function promptText(body: Record<string, unknown>): string {
  const messages = body.messages;
  if (Array.isArray(messages)) {
    const last = messages.at(-1) as { content?: unknown } | undefined;
    return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  }
  for (const key of ['input', 'prompt']) {
    const value = body[key];
    if (typeof value === 'string') return value;
    if (value !== undefined) return JSON.stringify(value);
  }
  return '';
}

function embedding(text: string, dimensions = 8): number[] {
  const digest = createHash('sha256').update(text).digest();
  return Array.from({ length: dimensions }, (_, i) => Number(((digest[i % digest.length]! / 255) * 2 - 1).toFixed(6)));
}

function answer(endpoint: string, body: Record<string, unknown>, id: string): unknown {
  const model = String(body.model ?? 'mock');
  const prompt = promptText(body);
  const reply = `MOCK: ${prompt}`;
  const input = countTokens(JSON.stringify(body.messages ?? body.input ?? body.prompt ?? ''));
  const output = countTokens(reply);
  const created = Math.floor(Date.now() / 1000);
  switch (endpoint) {
    case '/v1/moderations':
      return moderationAnswer(body, id);
    case '/v1/embeddings': {
      const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
      return {
        object: 'list',
        model,
        data: inputs.map((item, index) => ({ object: 'embedding', index, embedding: embedding(String(item)) })),
        usage: { prompt_tokens: input, total_tokens: input },
      };
    }
    case '/v1/completions':
      return {
        id: `cmpl-mock-${id}`,
        object: 'text_completion',
        created,
        model,
        choices: [{ index: 0, text: reply, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
      };
    case '/v1/responses':
      return {
        id: `resp_mock_${id}`,
        object: 'response',
        created_at: created,
        status: 'completed',
        model,
        output: [
          {
            type: 'message',
            id: `msg_mock_${id}`,
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: reply, annotations: [] }],
          },
        ],
        usage: {
          input_tokens: input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: input + output,
        },
      };
    default:
      return {
        id: `chatcmpl-mock-${id}`,
        object: 'chat.completion',
        created,
        model,
        system_fingerprint: 'batchgate-mock',
        choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop', logprobs: null }],
        usage: {
          prompt_tokens: input,
          completion_tokens: output,
          total_tokens: input + output,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      };
  }
}

export function createMockProvider(config: MockProviderConfig): Provider {
  return {
    name: config.name,
    async send({ endpoint, body, signal }: ProviderRequest): Promise<ProviderResponse> {
      if (config.latencyMs > 0) await sleep(config.latencyMs, undefined, { signal });
      signal?.throwIfAborted();
      const digest = createHash('sha256').update(body).digest();
      const id = digest.toString('hex').slice(0, 24);
      const headers = { 'x-request-id': `req_mock_${id}`, 'x-batchgate-mock': 'true' };
      if (digest.readUInt32BE(0) / 0xffffffff < config.failureRate) {
        const error = {
          error: { message: 'MOCK provider: simulated failure', type: 'server_error', code: 'mock_failure' },
        };
        return { statusCode: 500, headers, body: JSON.stringify(error) };
      }
      return { statusCode: 200, headers, body: JSON.stringify(answer(endpoint, JSON.parse(body), id)) };
    },
    close: async () => {},
  };
}
