// A fake OpenAI-type Files + Batches API (and a /chat/completions that only counts calls), for
// driving the native-batch adapter through the official SDK. Each retrieve of a batch moves it
// one step: validating → in_progress (0 done) → in_progress (half done) → finalizing → completed.
// Results are generated lazily from the input file when asked for, in shuffled order, so a results
// file of many MB is never held in memory. A line whose body has `fault: "400"` / `"500"` ends in
// the error file with that status. Faults: `inject(route, fault)` for one-shot HTTP faults, and
// `scenario` (applied to batches created after it is set) for validation failure, expiry and
// damaged results (missing, unknown, duplicated lines, a file that is not JSONL).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  countOf,
  FaultPlan,
  type InjectedFault,
  listen,
  parseMultipart,
  type RecordedRequest,
  readBody,
  routeRequest,
  sendJson,
  sequentialIds,
  shuffled,
  streamLines,
} from './fake-http.js';
import { fakeUsage } from './fake-upstream.js';

export type OpenAIRoute = 'upload' | 'file' | 'content' | 'create' | 'list' | 'retrieve' | 'cancel' | 'chat';

export interface BatchScenario {
  /** The batch fails at validation with this error (e.g. `token_limit_exceeded`). */
  failAtValidation?: { code: string; message: string };
  /** Expire once half the lines are done: they are in the output, the rest are `batch_expired` errors. */
  expire?: boolean;
  /** Results left out of the files. */
  dropCustomIds?: string[];
  /** Extra result lines naming custom_ids that were never submitted. */
  unknownResults?: number;
  /** The first n results appear twice. */
  duplicateResults?: number;
  /** The output file is an HTML error page instead of JSONL. */
  outputNotJsonl?: boolean;
  /** Bytes of filler text in every answer, to make results files large. */
  paddingBytes?: number;
}

interface InputLine {
  custom_id: string;
  body: Record<string, unknown>;
}

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  createdAt: number;
  bytes: number;
  /** Uploaded content, or generated on each read. */
  content: Buffer | (() => Iterable<string>);
}

export interface FakeBatch {
  id: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  step: number;
  done: number;
  status: string;
  scenario: BatchScenario;
  lines: InputLine[];
  outputFileId: string | null;
  errorFileId: string | null;
  errors: { code: string; message: string; param: null; line: null }[] | null;
  cancellingAt: number | null;
  endedAt: number | null;
}

export interface FakeOpenAIBatches {
  /** Base URL ending in /v1. */
  url: string;
  faults: FaultPlan<OpenAIRoute>;
  scenario: BatchScenario;
  requests: RecordedRequest[];
  batches: Map<string, FakeBatch>;
  files: Map<string, StoredFile>;
  count(route: OpenAIRoute): number;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);
const error = (status: number, message: string, type = 'invalid_request_error', code: string | null = null) => ({
  status,
  body: { error: { message, type, param: null, code } },
});

function routeOf(method: string, path: string): { route: OpenAIRoute; id?: string } | null {
  if (method === 'POST' && path === '/v1/files') return { route: 'upload' };
  if (method === 'POST' && path === '/v1/batches') return { route: 'create' };
  if (method === 'GET' && path === '/v1/batches') return { route: 'list' };
  if (method === 'POST' && path === '/v1/chat/completions') return { route: 'chat' };
  const content = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
  if (method === 'GET' && content) return { route: 'content', id: content[1] };
  const file = /^\/v1\/files\/([^/]+)$/.exec(path);
  if (method === 'GET' && file) return { route: 'file', id: file[1] };
  const cancel = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(path);
  if (method === 'POST' && cancel) return { route: 'cancel', id: cancel[1] };
  const batch = /^\/v1\/batches\/([^/]+)$/.exec(path);
  if (method === 'GET' && batch) return { route: 'retrieve', id: batch[1] };
  return null;
}

export async function startFakeOpenAIBatches(): Promise<FakeOpenAIBatches> {
  const faults = new FaultPlan<OpenAIRoute>();
  const requests: RecordedRequest[] = [];
  const batches = new Map<string, FakeBatch>();
  const files = new Map<string, StoredFile>();
  const newId = sequentialIds();

  const storeFile = (filename: string, purpose: string, content: StoredFile['content'], bytes: number) => {
    const file: StoredFile = { id: newId('file-fake'), filename, purpose, createdAt: now(), bytes, content };
    files.set(file.id, file);
    return file;
  };
  const fileObject = (file: StoredFile) => ({
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
  });

  const fake: FakeOpenAIBatches = {
    url: '',
    faults,
    scenario: {},
    requests,
    batches,
    files,
    count: countOf(requests),
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const { url, method, match } = routeRequest(req, requests, routeOf);
    if (!match) return sendJson(res, 404, error(404, `no route ${method} ${url.pathname}`).body);
    const fault = faults.take(match.route);
    if (fault === 'drop') return void req.socket.destroy();
    if (fault && fault !== 'drop_after') {
      const body = error(fault.status, fault.message ?? 'injected fault', fault.type ?? 'server_error', fault.code);
      return sendJson(res, fault.status, body.body, fault.headers);
    }
    const raw = await readBody(req);
    const answer = await serve(match.route, match.id, req, raw, url, res);
    if (!answer) return;
    if (fault === 'drop_after') return void req.socket.destroy();
    sendJson(res, answer.status, answer.body);
  };

  /** Answer a request; null when the route streamed its own answer. */
  const serve = async (
    route: OpenAIRoute,
    id: string | undefined,
    req: IncomingMessage,
    raw: Buffer,
    url: URL,
    res: ServerResponse,
  ): Promise<{ status: number; body: unknown } | null> => {
    switch (route) {
      case 'upload': {
        const parts = parseMultipart(raw, req.headers['content-type'] ?? '');
        const file = parts.get('file');
        const purpose = parts.get('purpose')?.data.toString('utf8');
        if (!file || !purpose) return error(400, 'file and purpose are required');
        return {
          status: 200,
          body: fileObject(storeFile(file.filename ?? 'upload', purpose, file.data, file.data.length)),
        };
      }
      case 'file': {
        const file = files.get(id!);
        return file ? { status: 200, body: fileObject(file) } : error(404, `No such File object: ${id}`);
      }
      case 'content': {
        const file = files.get(id!);
        if (!file) return error(404, `No such File object: ${id}`);
        if (Buffer.isBuffer(file.content)) return { status: 200, body: file.content.toString('utf8') };
        await streamLines(res, file.content(), 'application/octet-stream');
        return null;
      }
      case 'create':
        return createBatch(JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      case 'list':
        return { status: 200, body: listBatches(url) };
      case 'retrieve': {
        const batch = batches.get(id!);
        if (!batch) return error(404, `No batch found with id '${id}'`);
        advance(batch);
        return { status: 200, body: batchObject(batch) };
      }
      case 'cancel': {
        const batch = batches.get(id!);
        if (!batch) return error(404, `No batch found with id '${id}'`);
        if (!['validating', 'in_progress', 'finalizing'].includes(batch.status)) {
          return error(409, `Cannot cancel a batch with status '${batch.status}'.`);
        }
        batch.status = 'cancelling';
        batch.cancellingAt = now();
        return { status: 200, body: batchObject(batch) };
      }
      case 'chat':
        return { status: 200, body: { object: 'chat.completion', choices: [] } };
    }
  };

  const createBatch = (params: Record<string, unknown>) => {
    const file = files.get(String(params.input_file_id));
    if (!file || !Buffer.isBuffer(file.content)) return error(400, `Invalid input_file_id: ${params.input_file_id}`);
    if (file.purpose !== 'batch') return error(400, 'The input file must have purpose "batch"');
    if (params.completion_window !== '24h') return error(400, 'completion_window must be 24h');
    const lines = file.content
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as InputLine & { url: string });
    if (lines.some((line) => line.url !== params.endpoint)) return error(400, 'every line must use the batch endpoint');
    const batch: FakeBatch = {
      id: newId('batch_fake'),
      endpoint: String(params.endpoint),
      inputFileId: file.id,
      metadata: (params.metadata as Record<string, string> | undefined) ?? null,
      createdAt: now(),
      step: 0,
      done: 0,
      status: 'validating',
      scenario: { ...fake.scenario },
      lines,
      outputFileId: null,
      errorFileId: null,
      errors: null,
      cancellingAt: null,
      endedAt: null,
    };
    batches.set(batch.id, batch);
    return { status: 200, body: batchObject(batch) };
  };

  const listBatches = (url: URL) => {
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const after = url.searchParams.get('after');
    const newestFirst = [...batches.values()].reverse();
    const start = after ? newestFirst.findIndex((b) => b.id === after) + 1 : 0;
    const page = newestFirst.slice(start, start + limit);
    return {
      object: 'list',
      data: page.map(batchObject),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: start + limit < newestFirst.length,
    };
  };

  /** One step of progress per retrieve; `step` counts the polls seen in progress. */
  const advance = (batch: FakeBatch) => {
    const half = Math.floor(batch.lines.length / 2);
    switch (batch.status) {
      case 'validating':
        if (batch.scenario.failAtValidation) {
          batch.status = 'failed';
          batch.errors = [{ ...batch.scenario.failAtValidation, param: null, line: null }];
          batch.endedAt = now();
        } else batch.status = 'in_progress';
        return;
      case 'in_progress':
        batch.step++;
        if (batch.step === 2) batch.done = half;
        else if (batch.step === 3 && batch.scenario.expire) finish(batch, 'expired');
        else if (batch.step === 3) {
          batch.done = batch.lines.length;
          batch.status = 'finalizing';
        }
        return;
      case 'finalizing':
        finish(batch, 'completed');
        return;
      case 'cancelling':
        finish(batch, 'cancelled');
        return;
    }
  };

  const finish = (batch: FakeBatch, status: 'completed' | 'expired' | 'cancelled') => {
    batch.status = status;
    batch.endedAt = now();
    const done = shuffled(batch.lines.slice(0, batch.done), batch.id);
    const answered = done.filter((line) => !batch.scenario.dropCustomIds?.includes(line.custom_id));
    const ok = answered.filter((line) => !line.body.fault);
    const failed = answered.filter((line) => line.body.fault);
    const expired = status === 'expired' ? batch.lines.slice(batch.done) : [];
    const scenario = batch.scenario;
    const outputLines = function* () {
      if (scenario.outputNotJsonl) {
        yield '<html><body>502 Bad Gateway</body></html>';
        return;
      }
      for (const line of ok) yield resultLine(line, scenario);
      for (const line of ok.slice(0, scenario.duplicateResults ?? 0)) yield resultLine(line, scenario);
      for (let i = 0; i < (scenario.unknownResults ?? 0); i++) {
        yield resultLine({ custom_id: `ghost-${i}`, body: { model: 'ghost' } }, scenario);
      }
    };
    const errorLines = function* () {
      for (const line of failed) yield resultLine(line, scenario);
      for (const line of expired) yield expiredLine(line);
    };
    if (ok.length > 0 || scenario.outputNotJsonl) {
      batch.outputFileId = storeFile(`${batch.id}_output.jsonl`, 'batch_output', outputLines, 0).id;
    }
    if (failed.length + expired.length > 0) {
      batch.errorFileId = storeFile(`${batch.id}_error.jsonl`, 'batch_output', errorLines, 0).id;
    }
  };

  const batchObject = (batch: FakeBatch) => {
    const failed = batch.lines.slice(0, batch.done).filter((line) => line.body.fault).length;
    const ended = ['completed', 'expired', 'cancelled', 'failed'].includes(batch.status);
    return {
      id: batch.id,
      object: 'batch',
      endpoint: batch.endpoint,
      errors: batch.errors ? { object: 'list', data: batch.errors } : null,
      input_file_id: batch.inputFileId,
      completion_window: '24h',
      status: batch.status,
      output_file_id: batch.outputFileId,
      error_file_id: batch.errorFileId,
      created_at: batch.createdAt,
      in_progress_at: batch.status === 'validating' || batch.errors ? null : batch.createdAt,
      expires_at: batch.createdAt + 86_400,
      finalizing_at: null,
      completed_at: batch.status === 'completed' ? batch.endedAt : null,
      failed_at: batch.status === 'failed' ? batch.endedAt : null,
      expired_at: batch.status === 'expired' ? batch.endedAt : null,
      cancelling_at: batch.cancellingAt,
      cancelled_at: batch.status === 'cancelled' ? batch.endedAt : null,
      request_counts: {
        total: batch.lines.length,
        completed: batch.done - failed,
        failed: failed + (batch.status === 'expired' && ended ? batch.lines.length - batch.done : 0),
      },
      metadata: batch.metadata,
    };
  };

  const server = await listen(handle);
  fake.url = `${server.origin}/v1`;
  fake.close = server.close;
  return fake;
}

function resultLine(line: InputLine, scenario: BatchScenario): string {
  const requestId = `req_${line.custom_id}`;
  const fault = line.body.fault;
  if (fault === '400' || fault === '500') {
    const status = Number(fault);
    const body = {
      error: { message: `fake line fault ${fault}`, type: 'invalid_request_error', param: null, code: null },
    };
    return JSON.stringify({
      id: `batch_req_${line.custom_id}`,
      custom_id: line.custom_id,
      response: { status_code: status, request_id: requestId, body },
      error: null,
    });
  }
  const content = JSON.stringify(line.body.messages ?? '');
  const body = {
    id: `chatcmpl-${line.custom_id}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: line.body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: `echo ${content}${'x'.repeat(scenario.paddingBytes ?? 0)}` },
        finish_reason: 'stop',
      },
    ],
    usage: fakeUsage(content),
  };
  return JSON.stringify({
    id: `batch_req_${line.custom_id}`,
    custom_id: line.custom_id,
    response: { status_code: 200, request_id: requestId, body },
    error: null,
  });
}

function expiredLine(line: InputLine): string {
  return JSON.stringify({
    id: `batch_req_${line.custom_id}`,
    custom_id: line.custom_id,
    response: null,
    error: {
      code: 'batch_expired',
      message: 'This request could not be executed before the completion window expired.',
    },
  });
}

export type { InjectedFault };
