// batches.create / get / list / cancel / retry and the live `onUpdate` subscription, over the batch use cases.
import { z } from 'zod';
import { CancelBatchInput, cancelBatch } from '../../../domain/batches/cancel-batch.js';
import { CreateBatchInput, createBatch } from '../../../domain/batches/create-batch.js';
import { GetBatchInput, getBatch } from '../../../domain/batches/get-batch.js';
import { listBatches } from '../../../domain/batches/list-batches.js';
import { RetryBatchInput, retryBatch } from '../../../domain/batches/retry-batch.js';
import { ObjectId } from '../../../domain/ids.js';
import { batchUpdates, OnUpdateInput } from '../batch-updates.js';
import { authedProcedure, router } from '../init.js';
import { toCursorPage } from '../page.js';

/** Newest first; `cursor` is the previous page's `nextCursor`. The domain bounds `limit` (1..100, default 20). */
const ListInput = z.object({ limit: z.number().int().optional(), cursor: ObjectId.nullish() }).default({});

export const batchesRouter = router({
  create: authedProcedure
    .input(CreateBatchInput)
    .mutation(({ ctx, input }) => createBatch(ctx.deps, ctx.caller, input)),
  get: authedProcedure.input(GetBatchInput).query(({ ctx, input }) => getBatch(ctx.deps, ctx.caller, input)),
  list: authedProcedure
    .input(ListInput)
    .query(async ({ ctx, input }) =>
      toCursorPage(await listBatches(ctx.deps, ctx.caller, { limit: input.limit, after: input.cursor ?? undefined })),
    ),
  cancel: authedProcedure
    .input(CancelBatchInput)
    .mutation(({ ctx, input }) => cancelBatch(ctx.deps, ctx.caller, input)),
  retry: authedProcedure.input(RetryBatchInput).mutation(({ ctx, input }) => retryBatch(ctx.deps, ctx.caller, input)),
  onUpdate: authedProcedure
    .input(OnUpdateInput)
    .subscription(({ ctx, input, signal }) => batchUpdates(ctx, input, signal)),
});
