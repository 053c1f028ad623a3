// The direct Anthropic provider against the fake Anthropic API: what goes on the wire (path,
// headers, translated params), what the engine gets back (a chat.completion or an OpenAI-shaped
// error with the mapped status and Anthropic's retry-after kept), and how the engine's existing
// outcome rules treat those answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptOfResponse } from '../../src/engine/line-end.js';
import { createProviders } from '../../src/providers/index.js';
import type { Provider } from '../../src/providers/provider.js';
import { type FakeAnthropic, startFakeAnthropic } from '../support/fake-anthropic.js';
import { anthropicConfig } from '../support/native-batches.js';

let fake: FakeAnthropic;
let provider: Provider;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  const providers = createProviders({
    claude: { ...anthropicConfig(fake.url, { 'claude-small': 512 }), name: 'claude' },
  });
  provider = providers.get('claude')!;
});
afterAll(async () => {
  await provider.close();
  await fake.close();
});

const chat = (body: Record<string, unknown>) =>
  provider.send({
    endpoint: '/v1/chat/completions',
    body: JSON.stringify({ model: 'claude-small', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
const ask = (text: string) => ({ messages: [{ role: 'user', content: text }] });
const ctx = { attempt: 1, maxRetries: 3, backoff: { baseMs: 100, maxMs: 1000 } };

describe('direct Anthropic provider', () => {
  it('posts translated params to {baseUrl}/messages with x-api-key and anthropic-version', async () => {
    const res = await chat({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      temperature: 0.2,
      stop: ['\n\n'],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
    });
    expect(res.statusCode).toBe(200);
    const sent = fake.requests.filter((r) => r.route === 'messages').at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers).toMatchObject({ 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });
    expect(sent.headers.authorization).toBeUndefined();
    expect(fake.messageBodies.at(-1)).toEqual({
      model: 'claude-small',
      max_tokens: 512,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      stop_sequences: ['\n\n'],
      temperature: 0.2,
      tools: [{ name: 'weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any' },
    });
  });

  it('answers a chat.completion the engine counts tokens from, with Anthropic’s request id', async () => {
    const res = await chat({});
    expect(res.headers['x-request-id']).toMatch(/^req_fake_/);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^msg_fake/),
      object: 'chat.completion',
      model: 'claude-small',
      choices: [
        { index: 0, message: { role: 'assistant', content: expect.stringContaining('echo') }, finish_reason: 'stop' },
      ],
    });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    const outcome = attemptOfResponse(res, ctx);
    expect(outcome).toMatchObject({
      kind: 'answer',
      statusCode: 200,
      requestId: res.headers['x-request-id'],
      tokens: { input: body.usage.prompt_tokens, output: body.usage.completion_tokens },
    });
  });

  it('turns tool_use into tool_calls and max_tokens into length', async () => {
    const tools = [{ type: 'function', function: { name: 'weather' } }];
    const toolAnswer = JSON.parse((await chat({ ...ask('#fault=tool'), tools })).body);
    expect(toolAnswer.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Let me look.',
        tool_calls: [{ type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
    });
    const cut = JSON.parse((await chat(ask('#fault=max_tokens'))).body);
    expect(cut.choices[0].finish_reason).toBe('length');
  });

  it('maps Anthropic errors to OpenAI error bodies and keeps retry-after so retries honour it', async () => {
    const limited = await chat(ask('#fault=error:rate_limit_error'));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(JSON.parse(limited.body)).toEqual({
      error: { message: 'fake rate_limit_error', type: 'rate_limit_error', param: null, code: null },
    });
    expect(attemptOfResponse(limited, ctx)).toEqual({ kind: 'retry', delayMs: 7000 });

    const overloaded = await chat(ask('#fault=error:overloaded_error'));
    expect(overloaded.statusCode).toBe(529);
    expect(attemptOfResponse(overloaded, ctx)).toMatchObject({ kind: 'retry' });

    const invalid = await chat(ask('#fault=error:invalid_request_error'));
    expect(invalid.statusCode).toBe(400);
    expect(attemptOfResponse(invalid, ctx)).toMatchObject({ kind: 'answer', statusCode: 400 });
  });

  it('recovers after a transient overload, one attempt at a time', async () => {
    const first = await chat(ask('#fault=error:overloaded_error:1 once'));
    const second = await chat(ask('#fault=error:overloaded_error:1 once'));
    expect([first.statusCode, second.statusCode]).toEqual([529, 200]);
  });

  it('refuses an untranslatable body itself, without calling Anthropic', async () => {
    const calls = fake.count('messages');
    const res = await chat({ logprobs: true });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringContaining('body.logprobs'),
    });
    const embeddings = await provider.send({
      endpoint: '/v1/embeddings',
      body: '{"model":"claude-small","input":"x"}',
    });
    expect(embeddings.statusCode).toBe(400);
    expect(fake.count('messages')).toBe(calls);
  });

  it('passes a body that is not JSON on, so the engine retries it like a bad gateway', async () => {
    const res = await chat(ask('#fault=malformed'));
    expect(res.statusCode).toBe(200);
    expect(attemptOfResponse(res, ctx)).toMatchObject({ kind: 'retry' });
  });

  it('throws on a dropped connection, which the engine classifies as unreachable', async () => {
    await expect(chat(ask('#fault=reset'))).rejects.toThrow();
  });

  it('answers 401 with an OpenAI error when the key is wrong', async () => {
    const wrong = createProviders({
      claude: { ...anthropicConfig(fake.url), apiKey: 'sk-ant-wrong', name: 'claude' },
    }).get('claude')!;
    const res = await wrong.send({
      endpoint: '/v1/chat/completions',
      body: JSON.stringify({ model: 'm', ...ask('hi') }),
    });
    await wrong.close();
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'authentication_error', message: 'invalid x-api-key' });
  });
});
