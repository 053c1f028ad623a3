// batches.create / get / list / results / cancel / retry and the live `onUpdate` subscription, over
// the batch use cases.
import { z } from 'zod';
import { batchResults } from '../../../domain/batches/batch-results.js';
import { CancelBatchInput, cancelBatch } from '../../../domain/batches/cancel-batch.js';
import { CreateBatchInput, createBatch } from '../../../domain/batches/create-batch.js';
import { GetBatchInput, getBatch } from '../../../domain/batches/get-batch.js';
import { ListBatchesInput, listBatches } from '../../../domain/batches/list-batches.js';
import { RetryBatchInput, retryBatch } from '../../../domain/batches/retry-batch.js';
import { ObjectId } from '../../../domain/ids.js';
import { batchUpdates, OnUpdateInput } from '../batch-updates.js';
import { authedProcedure, router } from '../init.js';
import { toCursorPage } from '../page.js';

/** Newest first; `cursor` is the previous page's `nextCursor`. The domain bounds `limit` (1..100, default 20). */
const ListInput = z
  .object({
    limit: z.number().int().optional(),
    cursor: ObjectId.nullish(),
    status: ListBatchesInput.shape.status,
  })
  .default({});

/** Input order; `cursor` is the previous page's `nextCursor` (a line index). The domain bounds `limit` (1..1000, default 100). */
const ResultsInput = z.object({
  id: ObjectId,
  limit: z.number().int().optional(),
  cursor: z.number().int().nullish(),
});

export const batchesRouter = router({
  create: authedProcedure
    .input(CreateBatchInput)
    .mutation(({ ctx, input }) => createBatch(ctx.deps, ctx.caller, input)),
  get: authedProcedure.input(GetBatchInput).query(({ ctx, input }) => getBatch(ctx.deps, ctx.caller, input)),
  list: authedProcedure.input(ListInput).query(async ({ ctx, input }) =>
    toCursorPage(
      await listBatches(ctx.deps, ctx.caller, {
        limit: input.limit,
        after: input.cursor ?? undefined,
        status: input.status,
      }),
      (batch) => batch.id,
    ),
  ),
  results: authedProcedure.input(ResultsInput).query(async ({ ctx, input }) =>
    toCursorPage(
      await batchResults(ctx.deps, ctx.caller, {
        id: input.id,
        limit: input.limit,
        after: input.cursor ?? undefined,
      }),
      (result) => result.index,
    ),
  ),
  cancel: authedProcedure
    .input(CancelBatchInput)
    .mutation(({ ctx, input }) => cancelBatch(ctx.deps, ctx.caller, input)),
  retry: authedProcedure.input(RetryBatchInput).mutation(({ ctx, input }) => retryBatch(ctx.deps, ctx.caller, input)),
  onUpdate: authedProcedure
    .input(OnUpdateInput)
    .subscription(({ ctx, input, signal }) => batchUpdates(ctx, input, signal)),
});
