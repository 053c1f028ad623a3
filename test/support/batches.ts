// A batch's life through the official openai client, for tests that need one run to its end:
// upload lines, create the batch, wait for a status, read an output or error file.
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { toJsonl } from './jsonl.js';
import { waitFor } from './wait.js';

/** Upload `lines` as a batch input file and create a chat-completions batch from it. */
export async function submitBatch(client: OpenAI, lines: unknown[]) {
  const file = await client.files.create({
    file: await toFile(Buffer.from(toJsonl(lines)), 'in.jsonl'),
    purpose: 'batch',
  });
  const batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  return { file, batch };
}

/** The batch once it is `status` (default completed). */
export const batchWhen = (client: OpenAI, id: string, { status = 'completed', timeoutMs = 30_000, what = '' } = {}) =>
  waitFor(
    async () => {
      const batch = await client.batches.retrieve(id);
      return batch.status === status ? batch : undefined;
    },
    { timeoutMs, what: what || `batch ${id} to be ${status}` },
  );

/** The parsed lines of an output or error file. */
export async function fileLines<T = { custom_id: string }>(client: OpenAI, fileId: string): Promise<T[]> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}
