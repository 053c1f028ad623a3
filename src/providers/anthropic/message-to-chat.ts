// Anthropic Messages response → OpenAI `chat.completion`: text blocks become the message content,
// tool_use blocks become tool_calls, stop_reason becomes finish_reason, and usage becomes
// prompt/completion/total tokens (cache reads and writes count as prompt tokens, as OpenAI counts
// cached tokens; cache reads also go to `prompt_tokens_details.cached_tokens`).
import { z } from 'zod';

/** Text and tool_use blocks are read; thinking, server tools and anything newer carry nothing a chat.completion shows. */
const ContentBlock = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});

export const AnthropicMessage = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(ContentBlock),
  stop_reason: z.string().nullish(),
  usage: z.looseObject({
    input_tokens: z.number().int().min(0),
    output_tokens: z.number().int().min(0),
    cache_read_input_tokens: z.number().int().min(0).nullish(),
    cache_creation_input_tokens: z.number().int().min(0).nullish(),
  }),
});
export type AnthropicMessage = z.infer<typeof AnthropicMessage>;

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export const finishReasonOf = (stopReason: string | null | undefined): FinishReason =>
  (stopReason && FINISH_REASONS[stopReason]) || 'stop';

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: ChatToolCall[] };
      finish_reason: FinishReason;
      logprobs: null;
    },
  ];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details?: { cached_tokens: number };
  };
}

/** `created` is unix seconds: Anthropic messages carry no timestamp, so the caller supplies one. */
export function messageToChat(message: AnthropicMessage, created: number): ChatCompletion {
  let text = '';
  const toolCalls: ChatToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'tool_use' && block.id && block.name) {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const { usage } = message;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const promptTokens = usage.input_tokens + cacheRead + (usage.cache_creation_input_tokens ?? 0);
  return {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReasonOf(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: usage.output_tokens,
      total_tokens: promptTokens + usage.output_tokens,
      ...(usage.cache_read_input_tokens != null ? { prompt_tokens_details: { cached_tokens: cacheRead } } : {}),
    },
  };
}
