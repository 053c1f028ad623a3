// Native batches on Anthropic Message Batches through the official SDK (pinned to
// `anthropic-version: 2023-06-01`, no beta header). Each line is translated to Messages params and
// sent under a surrogate custom_id `r<lineIndex>` (Anthropic allows only `^[a-zA-Z0-9_-]{1,64}$`);
// the request body is streamed, never built whole. Anthropic batches carry no metadata, so there is
// no `findExisting`: a crash between create and storing its id can leave one duplicate batch.
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { chunksOf } from '../../streams/readable-chunks.js';
import { chatBodyToMessages } from '../anthropic/chat-to-messages.js';
import { ANTHROPIC_VERSION, type AnthropicProviderConfig } from '../anthropic.js';
import { parseAnthropicResultLine } from './anthropic-result-line.js';
import { classified, classifiedStream, classifyNativeError, NativeBatchError } from './errors.js';
import { chunked } from './jsonl.js';
import { matchResults } from './match-results.js';
import type {
  NativeBatchAdapter,
  NativeBatchSnapshot,
  NativeLine,
  NativeLineLookup,
  NativeLineRef,
  NativeResult,
  NativeSubmission,
} from './native-batch.js';
import { anthropicEndStatus, anthropicRequestCounts, anthropicStatus } from './status.js';

const rfc3339 = z.string().nullish();
const MessageBatch = z.looseObject({
  id: z.string(),
  processing_status: z.string(),
  request_counts: z.looseObject({
    processing: z.number(),
    succeeded: z.number(),
    errored: z.number(),
    canceled: z.number(),
    expired: z.number(),
  }),
  created_at: z.string(),
  expires_at: rfc3339,
  ended_at: rfc3339,
  cancel_initiated_at: rfc3339,
  results_url: z.string().nullish(),
});

const seconds = (time: string | null | undefined) => (time ? Math.floor(Date.parse(time) / 1000) : null);

function snapshotOf(raw: unknown): NativeBatchSnapshot {
  const batch = MessageBatch.parse(raw);
  const times = {
    createdAt: seconds(batch.created_at) ?? 0,
    expiresAt: seconds(batch.expires_at),
    endedAt: seconds(batch.ended_at),
    cancellingAt: seconds(batch.cancel_initiated_at),
  };
  return {
    id: batch.id,
    providerStatus: batch.processing_status,
    status: anthropicStatus(batch.processing_status),
    endStatus: anthropicEndStatus({
      processingStatus: batch.processing_status,
      cancelInitiatedAt: times.cancellingAt,
      endedAt: times.endedAt,
      expiresAt: times.expiresAt,
      counts: batch.request_counts,
    }),
    requestCounts: anthropicRequestCounts(batch.request_counts),
    errors: [],
    ...times,
  };
}

export const surrogateCustomId = (line: Pick<NativeLineRef, 'lineIndex'>) => `r${line.lineIndex}`;

export function createAnthropicBatchAdapter(config: AnthropicProviderConfig): NativeBatchAdapter {
  const client = new Anthropic({
    // Naming a key keeps the SDK from looking for credentials of its own (environment, profiles).
    apiKey: config.apiKey ?? 'unused',
    // The SDK's paths start with /v1; the configured base URL ends with it.
    baseURL: config.baseUrl.replace(/\/v1\/?$/, ''),
    maxRetries: 0,
    timeout: config.timeoutMs,
    // The SDK sends its key as a bearer token under a later API version; the contract is
    // `x-api-key` with `anthropic-version: 2023-06-01`, as on the direct path.
    defaultHeaders: {
      authorization: null,
      'x-api-key': config.apiKey ?? null,
      'anthropic-version': ANTHROPIC_VERSION,
    },
  });

  /** The `{"requests":[…]}` body, one translated line at a time; an untranslatable line stops it. */
  async function* requestsBody(lines: NativeSubmission['lines'], stop: (error: NativeBatchError) => void) {
    yield '{"requests":[';
    let separator = '';
    for await (const line of lines as AsyncIterable<NativeLine>) {
      const translation = chatBodyToMessages(line.body, config.maxOutputTokens);
      if (!translation.ok) {
        const { param, message } = translation.problem;
        const error = new NativeBatchError(`line ${line.lineIndex + 1}: ${param}: ${message}`, false, {
          code: 'unsupported_parameter',
          param,
          line: line.lineIndex + 1,
        });
        stop(error);
        throw error;
      }
      yield `${separator}{"custom_id":"${surrogateCustomId(line)}","params":${JSON.stringify(translation.params)}}`;
      separator = ',';
    }
    yield ']}';
  }

  return {
    provider: config.name,
    kind: 'anthropic',
    providerCustomId: surrogateCustomId,

    async submit({ endpoint, lines, signal }: NativeSubmission) {
      if (endpoint !== '/v1/chat/completions') {
        throw new NativeBatchError(`Anthropic message batches take only /v1/chat/completions, not ${endpoint}`, false, {
          code: 'native_batch_unsupported',
        });
      }
      let untranslatable: NativeBatchError | undefined;
      try {
        const created = await client.post('/v1/messages/batches', {
          body: chunked(requestsBody(lines, (error) => (untranslatable = error))),
          headers: { 'content-type': 'application/json' },
          signal,
        });
        return snapshotOf(created);
      } catch (error) {
        throw untranslatable ?? classifyNativeError(error, 'creating the message batch');
      }
    },

    poll: async (id: string, signal?: AbortSignal) =>
      snapshotOf(
        await classified('polling the message batch', () => client.messages.batches.retrieve(id, {}, { signal })),
      ),

    cancel: async (id: string, signal?: AbortSignal) =>
      snapshotOf(
        await classified('cancelling the message batch', () => client.messages.batches.cancel(id, {}, { signal })),
      ),

    async *results(id: string, lookup: NativeLineLookup, signal?: AbortSignal): AsyncGenerator<NativeResult> {
      const batch = MessageBatch.parse(
        await classified('reading the message batch', () => client.messages.batches.retrieve(id, {}, { signal })),
      );
      const resultsUrl = batch.results_url;
      if (!resultsUrl) {
        throw new NativeBatchError(`message batch ${id} has no results yet (${batch.processing_status})`, true);
      }
      const created = seconds(batch.ended_at) ?? Math.floor(Date.now() / 1000);
      const source = {
        name: 'results',
        open: () =>
          classified('downloading the message batch results', async () => {
            const response = await client
              .get(resultsUrl, { headers: { accept: 'application/binary' }, __binaryResponse: true, signal })
              .asResponse();
            if (!response.body) throw new Error(`the results of ${id} have no content`);
            return chunksOf(response.body);
          }),
      };
      const parse = (json: unknown) => parseAnthropicResultLine(json, created);
      yield* classifiedStream('reading the message batch results', matchResults([source], parse, lookup));
    },

    close: async () => {},
  };
}
