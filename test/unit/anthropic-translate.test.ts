// Chat ↔ Anthropic Messages translation, field by field, against the shapes Anthropic documents:
// request params, what cannot be translated (and the param named for it), the answer back as a
// chat.completion, and errors.
import { describe, expect, it } from 'vitest';
import { chatToMessages, findUntranslatable } from '../../src/providers/anthropic/chat-to-messages.js';
import { readAnthropicError, statusOfAnthropicError, toOpenAIError } from '../../src/providers/anthropic/errors.js';
import { type AnthropicMessage, finishReasonOf, messageToChat } from '../../src/providers/anthropic/message-to-chat.js';

const options = { model: 'claude-up', defaultMaxTokens: 1000 };
const user = (content: unknown = 'hi') => ({ role: 'user', content });

function params(body: Record<string, unknown>) {
  const translation = chatToMessages({ model: 'alias', messages: [user()], ...body }, options);
  if (!translation.ok) throw new Error(`untranslatable: ${JSON.stringify(translation.problem)}`);
  return translation.params;
}

describe('chat request → Messages params', () => {
  it('names the upstream model, not the alias in the body', () => {
    expect(params({})).toEqual({ model: 'claude-up', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('moves system and developer messages to system', () => {
    expect(params({ messages: [{ role: 'system', content: 'Be brief.' }, user()] }).system).toBe('Be brief.');
    const two = params({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'A' }] },
        { role: 'developer', content: 'B' },
        user(),
      ],
    });
    expect(two.system).toEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'B' },
    ]);
    expect(two.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('takes max_completion_tokens, then max_tokens, then the default', () => {
    expect(params({ max_tokens: 50 }).max_tokens).toBe(50);
    expect(params({ max_tokens: 50, max_completion_tokens: 70 }).max_tokens).toBe(70);
    expect(params({ max_tokens: null }).max_tokens).toBe(1000);
  });

  it('sends stop as stop_sequences, a string or a list', () => {
    expect(params({ stop: 'END' }).stop_sequences).toEqual(['END']);
    expect(params({ stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b']);
    expect(params({ stop: [] }).stop_sequences).toBeUndefined();
    expect(params({ stop: null }).stop_sequences).toBeUndefined();
  });

  it('keeps temperature and top_p', () => {
    expect(params({ temperature: 0.7, top_p: 0.9 })).toMatchObject({ temperature: 0.7, top_p: 0.9 });
    expect(params({ temperature: 0 }).temperature).toBe(0);
  });

  it('sends the end-user id as metadata.user_id, preferring safety_identifier', () => {
    expect(params({ user: 'u1' }).metadata).toEqual({ user_id: 'u1' });
    expect(params({ user: 'u1', safety_identifier: 's1' }).metadata).toEqual({ user_id: 's1' });
  });

  it('ignores fields that cannot change the answer', () => {
    const plain = params({});
    expect(params({ store: true, metadata: { team: 'x' }, n: 1, stream: false, logprobs: false })).toEqual(plain);
    expect(params({ service_tier: 'auto', prompt_cache_key: 'k', response_format: { type: 'text' } })).toEqual(plain);
    expect(params({ logit_bias: {}, frequency_penalty: 0, presence_penalty: 0, modalities: ['text'] })).toEqual(plain);
  });

  it('turns function tools into tools with input_schema', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    expect(
      params({
        tools: [
          {
            type: 'function',
            function: { name: 'weather', description: 'Weather now', parameters: schema, strict: true },
          },
          { type: 'function', function: { name: 'now' } },
        ],
      }).tools,
    ).toEqual([
      { name: 'weather', description: 'Weather now', input_schema: schema, strict: true },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it('maps tool_choice and parallel_tool_calls', () => {
    const tools = [{ type: 'function', function: { name: 'weather' } }];
    expect(params({ tools }).tool_choice).toBeUndefined();
    expect(params({ tools, tool_choice: 'auto' }).tool_choice).toEqual({ type: 'auto' });
    expect(params({ tools, tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' });
    expect(params({ tools, tool_choice: 'required' }).tool_choice).toEqual({ type: 'any' });
    expect(params({ tools, tool_choice: { type: 'function', function: { name: 'weather' } } }).tool_choice).toEqual({
      type: 'tool',
      name: 'weather',
    });
    expect(params({ tools, parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(params({ tools, tool_choice: 'required', parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(params({ tool_choice: 'auto' }).tool_choice).toBeUndefined();
  });

  it('turns assistant tool calls into tool_use blocks and tool messages into one tool_result turn', () => {
    const translated = params({
      messages: [
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '21°C' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'now', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_3', content: 'noon' },
        user('Thanks'),
      ],
    });
    expect(translated.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '21°C' }] },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_3', name: 'now', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_3', content: 'noon' }] },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('turns image parts into base64 or url image blocks', () => {
    const content = [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
    ];
    expect(params({ messages: [user(content)] }).messages[0]!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('translates a json_schema response_format to output_config.format', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, additionalProperties: false };
    const translated = params({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'reply', description: 'The reply', schema, strict: true },
      },
    });
    expect(translated.output_config).toEqual({
      format: { type: 'json_schema', schema: { ...schema, description: 'The reply' } },
    });
  });
});

describe('what cannot be translated', () => {
  const problemOf = (body: Record<string, unknown>) => findUntranslatable({ model: 'm', messages: [user()], ...body });

  it('accepts a body it can translate', () => {
    expect(problemOf({ temperature: 1, max_tokens: 10 })).toBeNull();
  });

  it.each([
    [{ n: 2 }, 'body.n'],
    [{ stream: true }, 'body.stream'],
    [{ stream_options: { include_usage: true } }, 'body.stream_options'],
    [{ logprobs: true }, 'body.logprobs'],
    [{ top_logprobs: 3 }, 'body.top_logprobs'],
    [{ logit_bias: { '50256': -100 } }, 'body.logit_bias'],
    [{ frequency_penalty: 0.5 }, 'body.frequency_penalty'],
    [{ presence_penalty: 0.5 }, 'body.presence_penalty'],
    [{ seed: 42 }, 'body.seed'],
    [{ temperature: 1.5 }, 'body.temperature'],
    [{ audio: { voice: 'alloy', format: 'wav' } }, 'body.audio'],
    [{ modalities: ['text', 'audio'] }, 'body.modalities[1]'],
    [{ response_format: { type: 'json_object' } }, 'body.response_format.type'],
    [{ service_tier: 'flex' }, 'body.service_tier'],
    [{ reasoning_effort: 'high' }, 'body.reasoning_effort'],
    [{ functions: [{ name: 'f' }] }, 'body.functions'],
    [{ messages: [] }, 'body.messages'],
    [{ messages: [user(42)] }, 'body.messages[0].content'],
    [{ messages: [user(), { role: 'function', name: 'f', content: 'x' }] }, 'body.messages[1].role'],
    [{ messages: [{ role: 'user', content: 'hi', name: 'alice' }] }, 'body.messages[0].name'],
    [
      { messages: [user([{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }])] },
      'body.messages[0].content[0].type',
    ],
    [
      { messages: [user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } }])] },
      'body.messages[0].content[0].image_url.url',
    ],
    [
      {
        messages: [
          user(),
          { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] },
        ],
      },
      'body.messages[1].tool_calls[0].function.arguments',
    ],
    [{ tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'body.tools[0].type'],
  ])('refuses %j at %s', (body, param) => {
    const problem = problemOf(body);
    expect(problem?.param).toBe(param);
    expect(problem?.message).toBeTruthy();
  });

  it('says why in words a user can act on', () => {
    expect(problemOf({ n: 3 })?.message).toBe('Anthropic has no equivalent of n > 1: it returns one choice');
    expect(problemOf({ messages: [{ role: 'function', content: 'x' }] })?.message).toBe(
      'Anthropic has no equivalent of messages with role "function"',
    );
    expect(problemOf({ reasoning_effort: 'high' })?.message).toBe(
      '"reasoning_effort" cannot be translated to the Anthropic Messages API',
    );
  });

  it('reports the same problem when asked to translate', () => {
    expect(chatToMessages({ messages: [user()], logprobs: true }, options)).toEqual({
      ok: false,
      problem: { param: 'body.logprobs', message: 'Anthropic has no equivalent of logprobs' },
    });
  });
});

describe('Messages response → chat.completion', () => {
  const message = (overrides: Partial<AnthropicMessage> = {}): AnthropicMessage => ({
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-up',
    content: [{ type: 'text', text: 'Hello' }],
    stop_reason: 'end_turn',
    usage: { input_tokens: 12, output_tokens: 5 },
    ...overrides,
  });

  it('builds a chat.completion with content, finish_reason and usage', () => {
    expect(messageToChat(message(), 1_700_000_000)).toEqual({
      id: 'msg_01',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-up',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    });
  });

  it('joins text blocks, skips thinking, and turns tool_use into tool_calls', () => {
    const chat = messageToChat(
      message({
        content: [
          { type: 'thinking', thinking: '…', signature: 's' },
          { type: 'text', text: 'Checking ' },
          { type: 'text', text: 'now.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        ],
        stop_reason: 'tool_use',
      }),
      1,
    );
    expect(chat.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Checking now.',
      refusal: null,
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
    });
    expect(chat.choices[0].finish_reason).toBe('tool_calls');
  });

  it('leaves content null when the answer is only tool calls', () => {
    const chat = messageToChat(message({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }), 1);
    expect(chat.choices[0].message.content).toBeNull();
  });

  it('maps every stop_reason', () => {
    expect(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn', null].map(finishReasonOf),
    ).toEqual(['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'stop', 'stop']);
  });

  it('counts cache reads and writes as prompt tokens and reports the reads as cached', () => {
    const usage = { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 };
    expect(messageToChat(message({ usage }), 1).usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 4,
      total_tokens: 134,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });
});

describe('Anthropic errors', () => {
  it('maps each error type to its status, and an unknown one to the fallback', () => {
    const types = [
      'invalid_request_error',
      'authentication_error',
      'billing_error',
      'permission_error',
      'not_found_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'timeout_error',
      'overloaded_error',
    ];
    expect(types.map((type) => statusOfAnthropicError(type))).toEqual([
      400, 401, 402, 403, 404, 413, 429, 500, 504, 529,
    ]);
    expect(statusOfAnthropicError('brand_new_error')).toBe(500);
    expect(statusOfAnthropicError('brand_new_error', 418)).toBe(418);
  });

  it('reads the nested error of an envelope, with its request id', () => {
    const envelope = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' };
    expect(readAnthropicError(envelope)).toEqual({
      type: 'overloaded_error',
      message: 'Overloaded',
      requestId: 'req_1',
    });
    const result = { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: 'boom' } } };
    expect(readAnthropicError(result)).toEqual({ type: 'api_error', message: 'boom', requestId: null });
    expect(readAnthropicError({ message: 'no envelope' })).toBeNull();
  });

  it('writes the OpenAI error shape', () => {
    expect(toOpenAIError({ type: 'rate_limit_error', message: 'slow down' })).toEqual({
      error: { message: 'slow down', type: 'rate_limit_error', param: null, code: null },
    });
    expect(toOpenAIError({ type: 'upstream_error', message: 'odd' }, 'invalid_upstream_response')).toEqual({
      error: { message: 'odd', type: 'upstream_error', param: null, code: 'invalid_upstream_response' },
    });
  });
});
