// File: an uploaded or generated file. Loaded through a per-request DataLoader, so every file a
// response links to (a page of batches' input, output and error files) costs one query.
import { notFound } from '../../../domain/errors.js';
import type { FileObject } from '../../../domain/files/file.js';
import { loadFilesByIds } from '../../../domain/files/load-files.js';
import { builder } from '../builder.js';
import { DateTime } from './date-time.js';

export const File = builder.loadableObject('File', {
  load: async (ids: string[], ctx): Promise<(FileObject | Error)[]> =>
    (await loadFilesByIds(ctx.deps, ctx.caller, ids)).map((file, i) => file ?? notFound('file', ids[i]!)),
  fields: (t) => ({
    id: t.exposeID('id'),
    filename: t.exposeString('filename'),
    purpose: t.exposeString('purpose'),
    bytes: t.exposeFloat('bytes', { description: 'Size in bytes (Float: files may exceed 2 GiB).' }),
    createdAt: t.expose('createdAt', { type: DateTime }),
    expiresAt: t.expose('expiresAt', {
      type: DateTime,
      nullable: true,
      description: 'When the file disappears (`expiresAfter`); null: kept until deleted.',
    }),
  }),
});
