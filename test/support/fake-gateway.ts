// A gateway whose `fake-chat` model runs on the fake upstream, lines that ask it for a fault, and,
// through the openai SDK, creating a batch from JSONL text as it is (byte for byte, with metadata).
import type OpenAI from 'openai';
import { untilTerminal, upload } from './batches.js';
import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { startGateway, type TestConfigFile, type TestGateway } from './gateway.js';
import { chatLine } from './jsonl.js';

/** A chat line the fake upstream answers with `fault` (see fake-upstream.ts), counted under its id. */
export const faultLine = (id: string, fault = 'ok', model = 'fake-chat') =>
  chatLine(id, `text of ${id}`, { fault, tag: id }, model);

export type FakeGateway = TestGateway & { upstream: FakeUpstream };

/**
 * A gateway whose `fake-chat` model runs on a fresh fake upstream, renamed `upstream-chat-v2` and
 * never retried, plus the providers and models of `extra`; close() stops both.
 */
export async function startFakeGateway(extra: Pick<TestConfigFile, 'providers' | 'models'> = {}): Promise<FakeGateway> {
  const upstream = await startFakeUpstream();
  const gw = await startGateway({
    config: {
      providers: {
        fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, maxConcurrency: 4, maxRetries: 0 },
        ...extra.providers,
      },
      models: {
        'fake-chat': { provider: 'fake', upstreamModel: 'upstream-chat-v2', inputPricePerMillion: 1 },
        ...extra.models,
      },
    },
  });
  return {
    ...gw,
    upstream,
    async close() {
      await gw.close();
      await upstream.close();
    },
  };
}

/** Create a batch from JSONL `text` (uploaded byte for byte), with metadata. */
export async function createBatchFrom(client: OpenAI, text: string, metadata?: Record<string, string>) {
  const file = await upload(client, text);
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata ? { metadata } : {}),
  });
}

/** Create a batch from `text` and wait until it has finished. */
export async function finishedBatch(client: OpenAI, text: string, metadata?: Record<string, string>) {
  return untilTerminal(client, (await createBatchFrom(client, text, metadata)).id, 30_000);
}
