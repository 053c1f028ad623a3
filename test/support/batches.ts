// Running batches in tests through the stock openai client: upload a JSONL file, create a batch,
// wait for a status (or any terminal one), read an output or error file as parsed lines.
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { toJsonl } from './jsonl.js';
import { waitFor } from './wait.js';

export const TERMINAL = ['completed', 'failed', 'cancelled', 'expired'];

/** Upload `lines` (objects, or JSONL text kept byte for byte) as a file, by default for a batch. */
export async function upload(
  client: OpenAI,
  lines: unknown[] | string,
  filename = 'in.jsonl',
  purpose: 'batch' | 'user_data' = 'batch',
) {
  const content = typeof lines === 'string' ? lines : toJsonl(lines);
  return client.files.create({ file: await toFile(Buffer.from(content), filename), purpose });
}

/** Upload `lines` and create a batch of them. */
export async function submit(client: OpenAI, lines: unknown[] | string, endpoint = '/v1/chat/completions') {
  const file = await upload(client, lines);
  return client.batches.create({ input_file_id: file.id, endpoint: endpoint as never, completion_window: '24h' });
}

/** The batch object as batchgate answers it: OpenAI's fields plus its own. */
export type GatewayBatch = OpenAI.Batch & {
  provider: string | null;
  provider_batch_id: string | null;
  provider_batches: {
    provider: string;
    id: string | null;
    status: string;
    request_counts: OpenAI.BatchRequestCounts;
  }[];
  mode: 'auto' | 'native' | 'direct';
  job_name: string | null;
  model: string | null;
  usage: Record<string, number> & { input_tokens: number; output_tokens: number; total_cost: number };
  results: Record<string, unknown>[] | null;
};

export const retrieve = async (client: OpenAI, id: string) => (await client.batches.retrieve(id)) as GatewayBatch;

/** The batch once its status is one of `statuses`. */
export const untilStatus = (client: OpenAI, id: string, statuses: string[], timeoutMs = 45_000) =>
  waitFor(
    async () => {
      const batch = await retrieve(client, id);
      return statuses.includes(batch.status) ? batch : undefined;
    },
    { timeoutMs, what: `batch ${id} to be ${statuses.join('|')}` },
  );

export const untilTerminal = (client: OpenAI, id: string, timeoutMs = 45_000) =>
  untilStatus(client, id, TERMINAL, timeoutMs);

/** A response body as tests read it: the shape is asserted with `expect`, not by the type system. */
// biome-ignore lint/suspicious/noExplicitAny: answer bodies are checked at run time by each test.
type Json = any;

/** A line of an output or error file. */
export interface ResultLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Json } | null;
  error: { code: string; message: string } | null;
}

/** A JSONL file's lines, parsed; an absent file (null id) has none. */
export async function readJsonl<T = ResultLine>(client: OpenAI, fileId: string | null | undefined) {
  if (!fileId) return [] as T[];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}
