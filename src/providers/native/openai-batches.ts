// Native batches on any OpenAI-type Batch API (OpenAI, Azure OpenAI, Groq, Together, another
// batchgate) through the official SDK: the lines are streamed up as a JSONL file (purpose=batch),
// then one batch is created, tagged `metadata.batchgate_batch_id` so a retried submission finds it
// instead of creating a second. Results are the output and error files, both streamed. The SDK
// never retries on its own: a blind retry of a create could start a second batch.
import OpenAI, { toStreamingFile } from 'openai';
import { z } from 'zod';
import type { ProviderConfig } from '../../config.js';
import { chunksOf } from '../../streams/readable-chunks.js';
import { classified, classifiedStream } from './errors.js';
import { chunked, singleLineJson } from './jsonl.js';
import { matchResults, type ResultsSource } from './match-results.js';
import type {
  NativeBatchAdapter,
  NativeBatchSnapshot,
  NativeLine,
  NativeLineLookup,
  NativeLineRef,
  NativeResult,
  NativeSubmission,
} from './native-batch.js';
import { parseOpenAIResultLine } from './openai-result-line.js';
import { openAIEndStatus, openAIStatus } from './status.js';

type OpenAIProviderConfig = Extract<ProviderConfig, { type: 'openai' }>;

export const BATCH_ID_METADATA_KEY = 'batchgate_batch_id';

const unixSeconds = z.number().nullish();
const ProviderBatch = z.looseObject({
  id: z.string(),
  status: z.string(),
  created_at: z.number(),
  expires_at: unixSeconds,
  cancelling_at: unixSeconds,
  completed_at: unixSeconds,
  failed_at: unixSeconds,
  expired_at: unixSeconds,
  cancelled_at: unixSeconds,
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  request_counts: z.looseObject({ total: z.number(), completed: z.number(), failed: z.number() }).nullish(),
  errors: z
    .looseObject({
      data: z
        .array(
          z.looseObject({
            code: z.string().nullish(),
            message: z.string().nullish(),
            param: z.string().nullish(),
            line: z.number().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
type ProviderBatch = z.infer<typeof ProviderBatch>;

function snapshotOf(raw: unknown): NativeBatchSnapshot {
  const batch: ProviderBatch = ProviderBatch.parse(raw);
  return {
    id: batch.id,
    providerStatus: batch.status,
    status: openAIStatus(batch.status),
    endStatus: openAIEndStatus(batch.status),
    requestCounts: {
      total: batch.request_counts?.total ?? 0,
      completed: batch.request_counts?.completed ?? 0,
      failed: batch.request_counts?.failed ?? 0,
    },
    errors: (batch.errors?.data ?? []).map((entry) => ({
      code: entry.code ?? 'provider_validation_failed',
      message: entry.message ?? 'The provider failed the batch at validation.',
      param: entry.param ?? null,
      line: entry.line ?? null,
    })),
    createdAt: batch.created_at,
    expiresAt: batch.expires_at ?? null,
    endedAt: batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at ?? null,
    cancellingAt: batch.cancelling_at ?? null,
  };
}

async function* batchLines(lines: NativeSubmission['lines'], endpoint: string): AsyncGenerator<string> {
  const url = JSON.stringify(endpoint);
  for await (const line of lines as AsyncIterable<NativeLine>) {
    const customId = JSON.stringify(line.customId);
    yield `{"custom_id":${customId},"method":"POST","url":${url},"body":${singleLineJson(line.body)}}\n`;
  }
}

export function createOpenAIBatchAdapter(config: OpenAIProviderConfig): NativeBatchAdapter {
  const client = new OpenAI({
    apiKey: config.apiKey ?? 'unused',
    // Only the config decides where and as whom: no organization or project from the environment.
    organization: null,
    project: null,
    baseURL: config.baseUrl,
    maxRetries: 0,
    timeout: config.timeoutMs,
    // A keyless OpenAI-compatible server gets no Authorization header, as on the direct path.
    ...(config.apiKey ? {} : { defaultHeaders: { authorization: null } }),
  });
  const snapshot = async (doing: string, call: () => Promise<unknown>) => snapshotOf(await classified(doing, call));

  return {
    provider: config.name,
    kind: 'openai',
    providerCustomId: (line: NativeLineRef) => line.customId,

    async submit({ batchgateBatchId, endpoint, lines, signal }: NativeSubmission) {
      const upload = toStreamingFile(chunked(batchLines(lines, endpoint)), `batchgate-${batchgateBatchId}.jsonl`, {
        type: 'application/jsonl',
      });
      const file = await classified('uploading the batch input file', () =>
        client.files.create({ file: upload, purpose: 'batch' }, { signal }),
      );
      return snapshot('creating the provider batch', () =>
        client.batches.create(
          {
            input_file_id: file.id,
            endpoint: endpoint as OpenAI.Batches.BatchCreateParams['endpoint'],
            completion_window: '24h',
            metadata: { [BATCH_ID_METADATA_KEY]: batchgateBatchId },
          },
          { signal },
        ),
      );
    },

    async findExisting(batchgateBatchId: string, createdAfter: number, signal?: AbortSignal) {
      return classified('listing provider batches', async () => {
        // Newest first: stop at the first batch older than ours.
        for await (const batch of client.batches.list({ limit: 100 }, { signal })) {
          if (batch.created_at < createdAfter) break;
          if (batch.metadata?.[BATCH_ID_METADATA_KEY] === batchgateBatchId) return snapshotOf(batch);
        }
        return null;
      });
    },

    poll: (id: string, signal?: AbortSignal) =>
      snapshot('polling the provider batch', () => client.batches.retrieve(id, { signal })),

    cancel: (id: string, signal?: AbortSignal) =>
      snapshot('cancelling the provider batch', () => client.batches.cancel(id, { signal })),

    async *results(id: string, lookup: NativeLineLookup, signal?: AbortSignal): AsyncGenerator<NativeResult> {
      const batch = ProviderBatch.parse(
        await classified('reading the provider batch', () => client.batches.retrieve(id, { signal })),
      );
      const sources: ResultsSource[] = [];
      const fileSource = (name: string, fileId: string): ResultsSource => ({
        name,
        open: () =>
          classified(`downloading the ${name} file`, async () => {
            const response = await client.files.content(fileId, { signal });
            if (!response.body) throw new Error(`the ${name} file ${fileId} has no content`);
            return chunksOf(response.body);
          }),
      });
      if (batch.output_file_id) sources.push(fileSource('output', batch.output_file_id));
      if (batch.error_file_id) sources.push(fileSource('error', batch.error_file_id));
      yield* classifiedStream('reading the results', matchResults(sources, parseOpenAIResultLine, lookup));
    },

    close: async () => {},
  };
}
