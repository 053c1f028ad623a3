// Query: one batch or file (null when missing or another project's), Relay pages of batches and
// files (newest first), and the configured models.
import { getBatch } from '../../../domain/batches/get-batch.js';
import { listBatches } from '../../../domain/batches/list-batches.js';
import { getFile } from '../../../domain/files/get-file.js';
import { listFiles } from '../../../domain/files/list-files.js';
import { listModels } from '../../../domain/models/list-models.js';
import { builder } from '../builder.js';
import { nullIfNotFound } from '../errors.js';
import { pageArgs, toConnection } from '../pagination.js';
import { Batch } from './batch.js';
import { BatchConnection } from './batch-connection.js';
import { BatchStatus } from './batch-status.js';
import { File } from './file.js';
import { FileConnection } from './file-connection.js';
import { Model } from './model.js';

builder.queryType({
  fields: (t) => ({
    batch: t.field({
      type: Batch,
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, { deps, caller }) => nullIfNotFound(getBatch(deps, caller, { id })),
    }),
    batches: t.field({
      type: BatchConnection,
      description: 'Newest first. `first` is 1..100 (default 20); `after` is an `endCursor`.',
      args: { first: t.arg.int(), after: t.arg.string(), status: t.arg({ type: BatchStatus }) },
      resolve: async (_root, args, { deps, caller }) =>
        toConnection(await listBatches(deps, caller, { ...pageArgs(args), status: args.status ?? undefined })),
    }),
    file: t.field({
      type: File,
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, { deps, caller }) => nullIfNotFound(getFile(deps, caller, { id })),
    }),
    files: t.field({
      type: FileConnection,
      description: 'Newest first. `first` is 1..10000 (default 1000); `after` is an `endCursor`.',
      args: { first: t.arg.int(), after: t.arg.string(), purpose: t.arg.string() },
      resolve: async (_root, args, { deps, caller }) =>
        toConnection(await listFiles(deps, caller, { ...pageArgs(args), purpose: args.purpose ?? undefined })),
    }),
    models: t.field({ type: [Model], resolve: (_root, _args, { deps }) => listModels(deps) }),
  }),
});
