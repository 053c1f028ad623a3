// /v1/batches — create (from a file or inline requests), list, retrieve, per-line results, cancel,
// retry of the failed lines, and the live event stream (SSE).
import type { FastifyInstance } from 'fastify';
import { batchResults } from '../../domain/batches/batch-results.js';
import { cancelBatch } from '../../domain/batches/cancel-batch.js';
import { createBatch, createBatchFromStoredRequests, storeInlineRequests } from '../../domain/batches/create-batch.js';
import { getBatch } from '../../domain/batches/get-batch.js';
import { listBatches } from '../../domain/batches/list-batches.js';
import { retryBatch } from '../../domain/batches/retry-batch.js';
import { JSON_BODY_LIMIT_BYTES } from '../body-limit.js';
import type { AppContext } from '../context.js';
import { SSE_KEEP_ALIVE_MS, streamBatchEvents } from './batch-events.js';
import { batchObject } from './batch-object.js';
import { type CreateBatchBody, readCreateBatchBody } from './create-batch-body.js';
import { toOpenAIBatch, toOpenAIList, toResultItem } from './serialize.js';

type IdParams = { Params: { id: string } };
type Query = { Querystring: Record<string, string> };

/** Room for the fields around inline requests of up to `maxFileBytes`. */
const FIELDS_OVERHEAD_BYTES = 1 << 20;

/** OpenAI's snake_case fields → the domain's input (unknown fields are ignored, as OpenAI does). */
const createInput = (b: CreateBatchBody['fields']) => ({
  inputFileId: b.input_file_id as never,
  endpoint: b.endpoint as never,
  completionWindow: b.completion_window as never,
  metadata: b.metadata as never,
  jobName: b.job_name as never,
  mode: b.mode as never,
  outputExpiresAfter: b.output_expires_after as never,
});

/** POST /batches, in a scope of its own: its JSON body arrives as a stream (see create-batch-body.ts). */
export function batchCreateRoute(app: FastifyInstance, { deps }: AppContext): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (_req, payload, done) => done(null, payload));
  app.post('/batches', { config: { streamedBody: true } }, async (req) => {
    const body = await readCreateBatchBody(
      (req.body ?? []) as AsyncIterable<Buffer>,
      deps.config.limits.maxFileBytes + FIELDS_OVERHEAD_BYTES,
      JSON_BODY_LIMIT_BYTES,
      (requests) => storeInlineRequests(deps, req.caller, requests),
    );
    const batch = body.requestsFileId
      ? await createBatchFromStoredRequests(deps, req.caller, createInput(body.fields), body.requestsFileId)
      : await createBatch(deps, req.caller, { ...createInput(body.fields), requests: body.fields.requests as never });
    return toOpenAIBatch(batch);
  });
}

export function batchRoutes(app: FastifyInstance, { deps, sseKeepAliveMs }: AppContext): void {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const streamOptions = { keepAliveMs: sseKeepAliveMs ?? SSE_KEEP_ALIVE_MS, closing: closing.signal };

  app.get<Query>('/batches', async (req) => {
    const page = await listBatches(deps, req.caller, req.query);
    return toOpenAIList(page.data.map(toOpenAIBatch), page.hasMore, (b) => b.id);
  });

  app.get<IdParams>('/batches/:id', async (req) =>
    batchObject(deps, req.caller, await getBatch(deps, req.caller, req.params)),
  );

  app.get<IdParams & Query>('/batches/:id/results', async (req) => {
    const page = await batchResults(deps, req.caller, { ...req.query, id: req.params.id });
    return toOpenAIList(page.data.map(toResultItem), page.hasMore, (r) => String(r.index));
  });

  app.post<IdParams>('/batches/:id/cancel', async (req) =>
    batchObject(deps, req.caller, await cancelBatch(deps, req.caller, req.params)),
  );

  app.get<IdParams>('/batches/:id/events', (req, reply) =>
    streamBatchEvents(deps, req.caller, req.params, reply, streamOptions),
  );

  app.post<IdParams>('/batches/:id/retry', async (req) =>
    toOpenAIBatch(await retryBatch(deps, req.caller, req.params)),
  );

  app.delete<IdParams>('/batches/:id', async (req) => {
    const batch = await cancelBatch(deps, req.caller, req.params);
    return { message: `Batch ${batch.id} is ${batch.status}.`, id: batch.id, status: batch.status };
  });
}
