// The gateway's REST API as the CLI uses it (plain fetch). Failures become CliErrors with the exit
// code they deserve: unreachable, refused key or a gateway that cannot answer → 3; a request the
// gateway refused as invalid (unknown id, conflict, bad input) → 2, with the gateway's message.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { BatchStatus } from '../db/tables/batches.js';
import type { Connection } from './connection.js';
import { CliError, EXIT } from './errors.js';

/** The OpenAI batch object, as far as the CLI reads it. */
export interface BatchObject {
  id: string;
  status: BatchStatus;
  endpoint: string | null;
  input_file_id: string;
  output_file_id: string | null;
  error_file_id: string | null;
  errors: { data: { code: string; message: string; line: number | null }[] } | null;
  request_counts: { total: number; completed: number; failed: number };
  usage?: { input_tokens: number; output_tokens: number; total_cost: number };
  metadata: Record<string, string> | null;
  created_at: number;
  model?: string | null;
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

interface RequestOptions {
  json?: unknown;
  form?: FormData;
  accept?: string;
  signal?: AbortSignal;
}

export class GatewayClient {
  constructor(readonly connection: Connection) {}

  /** Send a request; any answer but 2xx is thrown as a CliError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.key}` };
    if (options.accept) headers.accept = options.accept;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.connection.url}${path}`, {
        method,
        headers,
        body: options.form ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError(`Cannot reach the gateway at ${this.connection.url} (${reason}).`, EXIT.unreachable);
    }
    if (!res.ok) throw await refusal(res, this.connection.url);
    return res;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await (await this.request(method, path, options)).json()) as T;
  }

  getBatch = (id: string) => this.json<BatchObject>('GET', `/v1/batches/${encodeURIComponent(id)}`);

  /** Upload a local JSONL file (streamed from disk) with purpose `batch`. */
  async uploadBatchFile(path: string): Promise<{ id: string; bytes: number }> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', await openAsBlob(path), basename(path));
    return this.json('POST', '/v1/files', { form });
  }
}

async function refusal(res: Response, url: string): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let message = text.slice(0, 500) || res.statusText;
  try {
    message = (JSON.parse(text) as { error: { message: string } }).error.message ?? message;
  } catch {
    // not an OpenAI error body: keep the text
  }
  if (res.status === 401 || res.status === 403) {
    return new CliError(`The gateway at ${url} refused the key: ${message}`, EXIT.unreachable);
  }
  if (res.status === 429 || res.status >= 500) {
    return new CliError(`The gateway at ${url} could not answer (${res.status}): ${message}`, EXIT.unreachable);
  }
  return new CliError(message, EXIT.usage);
}
