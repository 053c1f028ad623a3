// Setting up batches in tests through the openai SDK: upload JSONL text as it is (byte for byte),
// create a batch from it, and wait for a batch to finish.
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { waitFor } from './wait.js';

export const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];

/** A gateway config whose `fake-chat` model runs on the fake upstream, renamed and never retried. */
export const fakeUpstreamConfig = (upstreamUrl: string) => ({
  providers: { fake: { type: 'openai', baseUrl: `${upstreamUrl}/v1`, maxConcurrency: 4, maxRetries: 0 } },
  models: { 'fake-chat': { provider: 'fake', upstreamModel: 'upstream-chat-v2', inputPricePerMillion: 1 } },
});

export async function uploadJsonl(client: OpenAI, text: string) {
  return client.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose: 'batch' });
}

export async function createBatchFrom(client: OpenAI, text: string, metadata?: Record<string, string>) {
  const file = await uploadJsonl(client, text);
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata ? { metadata } : {}),
  });
}

export const untilFinished = (client: OpenAI, id: string, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const batch = await client.batches.retrieve(id);
      return TERMINAL.includes(batch.status) ? batch : undefined;
    },
    { what: `batch ${id} to finish`, timeoutMs },
  );

/** Create a batch from `text` and wait until it has finished. */
export async function finishedBatch(client: OpenAI, text: string, metadata?: Record<string, string>) {
  return untilFinished(client, (await createBatchFrom(client, text, metadata)).id);
}
