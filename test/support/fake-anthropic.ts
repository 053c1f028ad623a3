// A fake Anthropic API: Messages (direct calls) and Message Batches (create, retrieve, cancel,
// results), checking `x-api-key` and `anthropic-version` like the real one. What a request does is
// steered by a directive in its last user text, `#fault=<kind>[:<arg>[:<times>]]`:
//   error:<type>[:<times>] (an Anthropic error of that type, for the first <times> attempts, else
//   always; in a batch, an errored result with the nested error) · tool (answers with a tool_use)
//   · max_tokens · stop_sequence · cache (usage with cache reads) · malformed (200, not JSON) ·
//   reset (connection destroyed) · expire (an expired batch result).
// Batches end after `scenario.pollsToEnd` retrieves, reporting counts only then; a cancel ends the
// batch at the next retrieve with the second half of its requests canceled; `expireUnfinished`
// ends it at its deadline with the second half expired. Results come back shuffled.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  countOf,
  FaultPlan,
  listen,
  type RecordedRequest,
  readBody,
  routeRequest,
  sendJson,
  sequentialIds,
  shuffled,
  streamLines,
} from './fake-http.js';

export type AnthropicRoute = 'messages' | 'create' | 'retrieve' | 'cancel' | 'results';

export const FAKE_ANTHROPIC_KEY = 'sk-ant-test';

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

export interface AnthropicScenario {
  /** Retrieves before a batch ends (default 2). */
  pollsToEnd?: number;
  /** End at the deadline with the second half of the requests expired. */
  expireUnfinished?: boolean;
  /** Bytes of filler text in every answer. */
  paddingBytes?: number;
}

interface BatchRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

type ResultType = 'succeeded' | 'errored' | 'canceled' | 'expired';

export interface FakeMessageBatch {
  id: string;
  requests: BatchRequest[];
  createdAt: Date;
  polls: number;
  cancelInitiatedAt: Date | null;
  endedAt: Date | null;
  outcomes: ResultType[] | null;
  scenario: AnthropicScenario;
}

export interface FakeAnthropic {
  /** Base URL ending in /v1. */
  url: string;
  faults: FaultPlan<AnthropicRoute>;
  scenario: AnthropicScenario;
  requests: RecordedRequest[];
  /** Bodies of direct /v1/messages calls, in order. */
  messageBodies: Record<string, unknown>[];
  batches: Map<string, FakeMessageBatch>;
  count(route: AnthropicRoute): number;
  close(): Promise<void>;
}

const envelope = (type: string, message: string) => ({
  type: 'error',
  error: { type, message },
  request_id: `req_fake_${type}`,
});

/** The directive in the last user text of a Messages params object. */
export function directiveOf(params: Record<string, unknown>): { kind: string; arg: string; times: number } {
  const messages = (params.messages ?? []) as { role: string; content: unknown }[];
  const last = messages.filter((m) => m.role === 'user').at(-1)?.content;
  const text =
    typeof last === 'string'
      ? last
      : Array.isArray(last)
        ? last.map((b: { text?: string }) => b.text ?? '').join('')
        : '';
  const match = /#fault=([a-z_]+)(?::([a-z_0-9]+))?(?::(\d+))?/.exec(text);
  return { kind: match?.[1] ?? 'ok', arg: match?.[2] ?? '', times: Number(match?.[3] ?? Number.POSITIVE_INFINITY) };
}

const lastUserText = (params: Record<string, unknown>) => JSON.stringify(params.messages ?? '');

/** A Messages answer for params, shaped by its directive. */
function messageFor(params: Record<string, unknown>, id: string, padding = 0) {
  const { kind } = directiveOf(params);
  const text = lastUserText(params);
  const usage: Record<string, number> = { input_tokens: 10 + (text.length % 7), output_tokens: 4 + (text.length % 3) };
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model: params.model,
    content: [{ type: 'text', text: `echo ${text}${'x'.repeat(padding)}` }] as Record<string, unknown>[],
    stop_reason: 'end_turn',
    stop_sequence: null as string | null,
    usage,
  };
  if (kind === 'tool') {
    const tool = ((params.tools ?? []) as { name: string }[])[0]?.name ?? 'tool';
    message.content = [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: `toolu_${id}`, name: tool, input: { city: 'Paris' } },
    ];
    message.stop_reason = 'tool_use';
  }
  if (kind === 'max_tokens') message.stop_reason = 'max_tokens';
  if (kind === 'stop_sequence') {
    message.stop_reason = 'stop_sequence';
    message.stop_sequence = ((params.stop_sequences ?? []) as string[])[0] ?? null;
  }
  if (kind === 'cache') Object.assign(usage, { cache_read_input_tokens: 100, cache_creation_input_tokens: 20 });
  return message;
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const faults = new FaultPlan<AnthropicRoute>();
  const requests: RecordedRequest[] = [];
  const batches = new Map<string, FakeMessageBatch>();
  const attempts = new Map<string, number>();
  let origin = '';
  const newId = sequentialIds();

  const fake: FakeAnthropic = {
    url: '',
    faults,
    scenario: {},
    requests,
    messageBodies: [],
    batches,
    count: countOf(requests),
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const { url, method, match } = routeRequest(req, requests, routeOf);
    if (!match) return sendJson(res, 404, envelope('not_found_error', `no route ${method} ${url.pathname}`));
    if (req.headers['x-api-key'] !== FAKE_ANTHROPIC_KEY) {
      return sendJson(res, 401, envelope('authentication_error', 'invalid x-api-key'));
    }
    if (req.headers['anthropic-version'] !== '2023-06-01') {
      return sendJson(res, 400, envelope('invalid_request_error', `unexpected anthropic-version`));
    }
    const fault = faults.take(match.route);
    if (fault === 'drop') return void req.socket.destroy();
    if (fault && fault !== 'drop_after') {
      const type = fault.type ?? 'api_error';
      return sendJson(res, fault.status, envelope(type, fault.message ?? 'injected fault'), fault.headers);
    }
    const raw = (await readBody(req)).toString('utf8');
    const answer = await serve(match.route, match.id, raw, req, res);
    if (!answer) return;
    if (fault === 'drop_after') return void req.socket.destroy();
    sendJson(res, answer.status, answer.body, { 'request-id': newId('req_fake_'), ...answer.headers });
  };

  type Answer = { status: number; body: unknown; headers?: Record<string, string> } | null;
  const serve = async (
    route: AnthropicRoute,
    id: string | undefined,
    raw: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<Answer> => {
    switch (route) {
      case 'messages':
        return directMessage(JSON.parse(raw) as Record<string, unknown>, req, res);
      case 'create':
        return createBatch(JSON.parse(raw) as { requests?: BatchRequest[] });
      case 'retrieve': {
        const batch = batches.get(id!);
        if (!batch) return { status: 404, body: envelope('not_found_error', `No batch ${id}`) };
        batch.polls++;
        if (!batch.endedAt && (batch.cancelInitiatedAt || batch.polls >= (batch.scenario.pollsToEnd ?? 2))) end(batch);
        return { status: 200, body: batchObject(batch) };
      }
      case 'cancel': {
        const batch = batches.get(id!);
        if (!batch) return { status: 404, body: envelope('not_found_error', `No batch ${id}`) };
        if (!batch.endedAt) batch.cancelInitiatedAt ??= new Date();
        return { status: 200, body: batchObject(batch) };
      }
      case 'results': {
        const batch = batches.get(id!);
        if (!batch?.outcomes) return { status: 404, body: envelope('not_found_error', `No results for ${id}`) };
        await streamLines(res, resultLines(batch), 'application/binary');
        return null;
      }
    }
  };

  const directMessage = (params: Record<string, unknown>, req: IncomingMessage, _res: ServerResponse): Answer => {
    fake.messageBodies.push(params);
    const { kind, arg, times } = directiveOf(params);
    const key = lastUserText(params);
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (kind === 'error' && attempt <= times) {
      const headers: Record<string, string> = arg === 'rate_limit_error' ? { 'retry-after': '7' } : {};
      return { status: ERROR_STATUS[arg] ?? 500, body: envelope(arg, `fake ${arg}`), headers };
    }
    if (kind === 'malformed') return { status: 200, body: '{"id": "msg_broken", "content": [' };
    if (kind === 'reset') {
      req.socket.destroy();
      return null;
    }
    return { status: 200, body: messageFor(params, newId('msg_fake')) };
  };

  const createBatch = (body: { requests?: BatchRequest[] }): Answer => {
    const list = body.requests;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100_000) {
      return { status: 400, body: envelope('invalid_request_error', 'requests: must hold 1 to 100000 requests') };
    }
    const seen = new Set<string>();
    for (const [i, request] of list.entries()) {
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(request.custom_id ?? '')) {
        const message = `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
        return { status: 400, body: envelope('invalid_request_error', message) };
      }
      if (seen.has(request.custom_id)) {
        return { status: 400, body: envelope('invalid_request_error', `requests.${i}.custom_id: duplicate`) };
      }
      seen.add(request.custom_id);
      const params = request.params ?? {};
      if (typeof params.model !== 'string' || !Number.isInteger(params.max_tokens) || Number(params.max_tokens) < 1) {
        return {
          status: 400,
          body: envelope('invalid_request_error', `requests.${i}.params: model and max_tokens ≥ 1`),
        };
      }
    }
    const batch: FakeMessageBatch = {
      id: newId('msgbatch_fake'),
      requests: list,
      createdAt: new Date(),
      polls: 0,
      cancelInitiatedAt: null,
      endedAt: null,
      outcomes: null,
      scenario: { ...fake.scenario },
    };
    batches.set(batch.id, batch);
    return { status: 200, body: batchObject(batch) };
  };

  const end = (batch: FakeMessageBatch) => {
    const half = Math.ceil(batch.requests.length / 2);
    const expiring = batch.scenario.expireUnfinished;
    batch.outcomes = batch.requests.map((request, index): ResultType => {
      if (index >= half && batch.cancelInitiatedAt) return 'canceled';
      if (index >= half && expiring) return 'expired';
      const { kind } = directiveOf(request.params);
      if (kind === 'error') return 'errored';
      if (kind === 'expire') return 'expired';
      return 'succeeded';
    });
    batch.endedAt = expiring ? expiresAt(batch) : new Date();
  };

  const expiresAt = (batch: FakeMessageBatch) => new Date(batch.createdAt.getTime() + 86_400_000);

  const batchObject = (batch: FakeMessageBatch) => {
    const ended = batch.outcomes;
    const counted = (type: ResultType) => (ended ? ended.filter((o) => o === type).length : 0);
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : batch.cancelInitiatedAt ? 'canceling' : 'in_progress',
      request_counts: {
        processing: ended ? 0 : batch.requests.length,
        succeeded: counted('succeeded'),
        errored: counted('errored'),
        canceled: counted('canceled'),
        expired: counted('expired'),
      },
      created_at: batch.createdAt.toISOString(),
      expires_at: expiresAt(batch).toISOString(),
      ended_at: batch.endedAt?.toISOString() ?? null,
      archived_at: null,
      cancel_initiated_at: batch.cancelInitiatedAt?.toISOString() ?? null,
      results_url: ended ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
    };
  };

  function* resultLines(batch: FakeMessageBatch): Generator<string> {
    const order = shuffled(
      batch.requests.map((_, index) => index),
      batch.id,
    );
    for (const index of order) {
      const request = batch.requests[index]!;
      const type = batch.outcomes![index]!;
      yield JSON.stringify({ custom_id: request.custom_id, result: resultOf(request, type, batch) });
    }
  }

  const resultOf = (request: BatchRequest, type: ResultType, batch: FakeMessageBatch) => {
    if (type === 'succeeded') {
      const message = messageFor(request.params, `msg_${request.custom_id}`, batch.scenario.paddingBytes);
      return { type, message };
    }
    if (type === 'errored') {
      const { arg } = directiveOf(request.params);
      return { type, error: envelope(arg || 'api_error', `fake ${arg || 'api_error'} in a batch`) };
    }
    return { type };
  };

  const server = await listen(handle);
  origin = server.origin;
  fake.url = `${server.origin}/v1`;
  fake.close = server.close;
  return fake;
}

function routeOf(method: string, path: string): { route: AnthropicRoute; id?: string } | null {
  if (method === 'POST' && path === '/v1/messages') return { route: 'messages' };
  if (method === 'POST' && path === '/v1/messages/batches') return { route: 'create' };
  const cancel = /^\/v1\/messages\/batches\/([^/]+)\/cancel$/.exec(path);
  if (method === 'POST' && cancel) return { route: 'cancel', id: cancel[1] };
  const results = /^\/v1\/messages\/batches\/([^/]+)\/results$/.exec(path);
  if (method === 'GET' && results) return { route: 'results', id: results[1] };
  const batch = /^\/v1\/messages\/batches\/([^/]+)$/.exec(path);
  if (method === 'GET' && batch) return { route: 'retrieve', id: batch[1] };
  return null;
}
