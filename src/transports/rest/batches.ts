// /v1/batches — create (from a file or inline requests), list, retrieve, per-line results, cancel,
// retry of the failed lines, and the live event stream (SSE).
import type { FastifyInstance } from 'fastify';
import { batchResults } from '../../domain/batches/batch-results.js';
import { cancelBatch } from '../../domain/batches/cancel-batch.js';
import { createBatch } from '../../domain/batches/create-batch.js';
import { getBatch } from '../../domain/batches/get-batch.js';
import { listBatches } from '../../domain/batches/list-batches.js';
import { retryBatch } from '../../domain/batches/retry-batch.js';
import type { AppContext } from '../context.js';
import { SSE_KEEP_ALIVE_MS, streamBatchEvents } from './batch-events.js';
import { toOpenAIBatch, toOpenAIList, toResultItem } from './serialize.js';

type IdParams = { Params: { id: string } };
type Query = { Querystring: Record<string, string> };

/** OpenAI's snake_case body → the domain's input (unknown fields are ignored, as OpenAI does). */
function createInput(body: unknown) {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    inputFileId: b.input_file_id as never,
    requests: b.requests as never,
    endpoint: b.endpoint as never,
    completionWindow: b.completion_window as never,
    metadata: b.metadata as never,
    jobName: b.job_name as never,
  };
}

export function batchRoutes(app: FastifyInstance, { deps, sseKeepAliveMs }: AppContext): void {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const streamOptions = { keepAliveMs: sseKeepAliveMs ?? SSE_KEEP_ALIVE_MS, closing: closing.signal };

  app.post('/v1/batches', { bodyLimit: deps.config.limits.maxFileBytes }, async (req) =>
    toOpenAIBatch(await createBatch(deps, req.caller, createInput(req.body))),
  );

  app.get<Query>('/v1/batches', async (req) => {
    const page = await listBatches(deps, req.caller, req.query);
    return toOpenAIList(page.data.map(toOpenAIBatch), page.hasMore, (b) => b.id);
  });

  app.get<IdParams>('/v1/batches/:id', async (req) => toOpenAIBatch(await getBatch(deps, req.caller, req.params)));

  app.get<IdParams & Query>('/v1/batches/:id/results', async (req) => {
    const page = await batchResults(deps, req.caller, { ...req.query, id: req.params.id });
    return toOpenAIList(page.data.map(toResultItem), page.hasMore, (r) => String(r.index));
  });

  app.post<IdParams>('/v1/batches/:id/cancel', async (req) =>
    toOpenAIBatch(await cancelBatch(deps, req.caller, req.params)),
  );

  app.get<IdParams>('/v1/batches/:id/events', (req, reply) =>
    streamBatchEvents(deps, req.caller, req.params, reply, streamOptions),
  );

  app.post<IdParams>('/v1/batches/:id/retry', async (req) =>
    toOpenAIBatch(await retryBatch(deps, req.caller, req.params)),
  );

  app.delete<IdParams>('/v1/batches/:id', async (req) => {
    const batch = await cancelBatch(deps, req.caller, req.params);
    return { message: `Batch ${batch.id} is ${batch.status}.`, id: batch.id, status: batch.status };
  });
}
