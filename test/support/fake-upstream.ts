// A fake OpenAI-compatible upstream with fault injection, driven by a `fault` field in each
// request body (the gateway forwards bodies untouched apart from `model`):
//   ok (default) · latency:<ms> · flaky:<n> (n × 500, then 200) · 429:<n>:<ms> (n × 429 with
//   retry-after-ms) · 429s:<n>:<s> (Retry-After seconds) · 400 · 500 (always) · hang ·
//   malformed (200 with a non-JSON body) · reset (connection destroyed) · 401 (OpenAI's wrong-key
//   answer, with a masked key hint) · leak (500 whose message names an internal address)
// Attempts are counted per `tag` field (or the whole body) so tests can assert exact tries. A
// `fake_usage` object in the body is answered as the `usage` of a chat or responses answer.
// `fast: true` skips parsing and answers one fixed body; `record: false` keeps no bookkeeping.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUpstreamOptions {
  /** Delay every answer by this long. */
  latencyMs?: number;
  /** Benchmark mode: don't parse, always answer the same small chat completion. */
  fast?: boolean;
  /** Keep no per-request bookkeeping (attempts, log): long benchmark runs. */
  record?: boolean;
  port?: number;
}

export interface FakeUpstream {
  url: string;
  /** Attempts seen per tag. */
  attempts: Map<string, number>;
  /** Every request received, in arrival order (not in fast mode). */
  log: UpstreamRequest[];
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

/** A logged request, with its timing (for in-flight counts and request rates: upstream-load.ts). */
export interface UpstreamRequest {
  tag: string;
  model: string;
  path: string;
  authorization: string | undefined;
  /** `Date.now()` at arrival, and once the answer was sent or the connection closed. */
  at: number;
  endedAt?: number;
}

export const FIXED_USAGE = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };

const FAST_BODY = JSON.stringify({
  id: 'chatcmpl-fake',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'fake',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: FIXED_USAGE,
});

/** Tokens the fake charges for a body: deterministic and different per line. */
export function fakeUsage(content: string) {
  const prompt = 5 + (content.length % 17);
  const completion = 3 + (content.length % 5);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function success(path: string, body: Record<string, unknown>) {
  const content = JSON.stringify(body.messages ?? body.input ?? body.prompt ?? '');
  const usage = (body.fake_usage as ReturnType<typeof fakeUsage> | undefined) ?? fakeUsage(content);
  if (path.endsWith('/embeddings')) {
    return {
      object: 'list',
      model: body.model,
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
      usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens },
    };
  }
  if (path.endsWith('/responses')) {
    return {
      id: 'resp_fake',
      object: 'response',
      model: body.model,
      status: 'completed',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] }],
      usage: body.fake_usage ?? {
        input_tokens: usage.prompt_tokens,
        output_tokens: usage.completion_tokens,
        total_tokens: usage.total_tokens,
      },
    };
  }
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: `echo ${content}` }, finish_reason: 'stop' }],
    usage,
  };
}

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-request-id': `req_fake_${Math.random().toString(36).slice(2, 10)}`,
    ...headers,
  });
  res.end(text);
};

const errorBody = (message: string, type: string) => ({ error: { message, type, param: null, code: null } });

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const attempts = new Map<string, number>();
  const log: FakeUpstream['log'] = [];
  let total = 0;
  const hanging = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    total++;
    if (options.fast) {
      const answer = () => sendJson(res, 200, FAST_BODY);
      if (options.latencyMs) setTimeout(answer, options.latencyMs);
      else answer();
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendJson(res, 400, errorBody('fake upstream: request body is not JSON', 'invalid_request_error'));
      return;
    }
    const tag = typeof body.tag === 'string' ? body.tag : raw;
    const attempt = (attempts.get(tag) ?? 0) + 1;
    if (options.record !== false) {
      attempts.set(tag, attempt);
      const entry: UpstreamRequest = {
        tag,
        model: String(body.model),
        path: req.url ?? '',
        authorization: req.headers.authorization,
        at: Date.now(),
      };
      log.push(entry);
      const ended = () => {
        entry.endedAt ??= Date.now();
      };
      res.on('finish', ended).on('close', ended);
    }
    const [kind = 'ok', a = '0', b = '0'] = String(body.fault ?? 'ok').split(':');
    const reply = () => {
      switch (kind) {
        case 'flaky':
          if (attempt <= Number(a)) return sendJson(res, 500, errorBody('fake upstream: flaky', 'server_error'));
          break;
        case '429':
          if (attempt <= Number(a))
            return sendJson(res, 429, errorBody('slow down', 'rate_limit_error'), { 'retry-after-ms': b });
          break;
        case '429s':
          if (attempt <= Number(a))
            return sendJson(res, 429, errorBody('slow down', 'rate_limit_error'), { 'retry-after': b });
          break;
        case '400':
          return sendJson(res, 400, errorBody('fake upstream: bad request', 'invalid_request_error'));
        case '500':
          return sendJson(res, 500, errorBody('fake upstream: always failing', 'server_error'));
        case '401':
          return sendJson(res, 401, {
            error: {
              message: 'Incorrect API key provided: sk-proj-ab********************************wxyz.',
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          });
        case 'leak':
          return sendJson(res, 500, errorBody('upstream 10.1.2.3:8443 (vllm-7.internal:8000) refused', 'server_error'));
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        case 'malformed':
          return sendJson(res, 200, '{"id": "chatcmpl-broken", "choices": [');
        case 'reset':
          req.socket.destroy();
          return;
      }
      sendJson(res, 200, success(req.url ?? '', body));
    };
    const delay = (kind === 'latency' ? Number(a) : 0) + (options.latencyMs ?? 0);
    if (delay > 0) setTimeout(reply, delay);
    else reply();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    log,
    total: () => total,
    reset() {
      attempts.clear();
      log.length = 0;
      total = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
