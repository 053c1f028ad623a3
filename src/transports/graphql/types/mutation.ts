// Mutation: upload a file (multipart, streamed into storage), create, cancel and retry batches,
// delete files.
import type { z } from 'zod';
import { cancelBatch } from '../../../domain/batches/cancel-batch.js';
import { createBatch, type CreateBatchInput as DomainInput } from '../../../domain/batches/create-batch.js';
import { retryBatch } from '../../../domain/batches/retry-batch.js';
import { deleteFile } from '../../../domain/files/delete-file.js';
import { type UploadFileInput, uploadFile } from '../../../domain/files/upload-file.js';
import { builder } from '../builder.js';
import { receiveUpload } from '../upload-content.js';
import { Batch } from './batch.js';
import { CreateBatchInput } from './create-batch-input.js';
import { ExpiresAfterInput } from './expires-after-input.js';
import { File } from './file.js';
import { Upload } from './upload.js';

builder.mutationType({
  fields: (t) => ({
    uploadFile: t.field({
      type: File,
      description:
        'Send as a GraphQL multipart request, with an `x-graphql-yoga-csrf` (or `apollo-require-preflight`) header.',
      args: {
        file: t.arg({ type: Upload, required: true }),
        purpose: t.arg.string({ required: true }),
        expiresAfter: t.arg({ type: ExpiresAfterInput, description: 'The file disappears this long after upload.' }),
      },
      resolve: async (_root, args, { deps, caller }) => {
        const { filename, content } = await receiveUpload(args.file, deps.config.limits.maxFileBytes);
        const purpose = args.purpose as z.input<typeof UploadFileInput>['purpose']; // validated by the domain
        const expiresAfter = args.expiresAfter as z.input<typeof UploadFileInput>['expiresAfter'];
        return uploadFile(deps, caller, { filename, purpose, expiresAfter }, content);
      },
    }),
    createBatch: t.field({
      type: Batch,
      args: { input: t.arg({ type: CreateBatchInput, required: true }) },
      // The domain schema validates endpoint, window and metadata; the casts only hand them over.
      resolve: (_root, { input }, { deps, caller }) =>
        createBatch(deps, caller, {
          inputFileId: input.inputFileId ?? undefined,
          requests: input.requests ?? undefined,
          endpoint: input.endpoint as DomainInput['endpoint'],
          completionWindow: (input.completionWindow ?? undefined) as DomainInput['completionWindow'],
          metadata: input.metadata as DomainInput['metadata'],
          jobName: input.jobName,
          mode: input.mode ?? undefined,
          outputExpiresAfter: input.outputExpiresAfter as DomainInput['outputExpiresAfter'],
        }),
    }),
    cancelBatch: t.field({
      type: Batch,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, { deps, caller }) => cancelBatch(deps, caller, { id }),
    }),
    retryBatch: t.field({
      type: Batch,
      description: 'A new batch holding the failed lines (every line that did not end 2xx) of a finished batch.',
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, { deps, caller }) => retryBatch(deps, caller, { id }),
    }),
    deleteFile: t.boolean({
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, { id }, { deps, caller }) => (await deleteFile(deps, caller, { id })).deleted,
    }),
  }),
});
