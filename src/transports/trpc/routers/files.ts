// files.list / get / delete over the file use cases (uploads go through REST `POST /v1/files`).
import { z } from 'zod';
import { DeleteFileInput, deleteFile } from '../../../domain/files/delete-file.js';
import { GetFileInput, getFile } from '../../../domain/files/get-file.js';
import { listFiles } from '../../../domain/files/list-files.js';
import { ObjectId } from '../../../domain/ids.js';
import { authedProcedure, router } from '../init.js';
import { toCursorPage } from '../page.js';

/** Newest first unless `order: 'asc'`; the domain bounds `limit` (1..10000, default 1000). */
const ListInput = z
  .object({
    limit: z.number().int().optional(),
    cursor: ObjectId.nullish(),
    order: z.enum(['asc', 'desc']).optional(),
    purpose: z.string().optional(),
  })
  .default({});

export const filesRouter = router({
  list: authedProcedure
    .input(ListInput)
    .query(async ({ ctx, input: { cursor, ...rest } }) =>
      toCursorPage(await listFiles(ctx.deps, ctx.caller, { ...rest, after: cursor ?? undefined }), (file) => file.id),
    ),
  get: authedProcedure.input(GetFileInput).query(({ ctx, input }) => getFile(ctx.deps, ctx.caller, input)),
  delete: authedProcedure.input(DeleteFileInput).mutation(({ ctx, input }) => deleteFile(ctx.deps, ctx.caller, input)),
});
