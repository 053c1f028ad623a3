// BatchError: one validation problem of a failed batch (line is 1-based).
import type { BatchErrorEntry } from '../../../db/tables/batches.js';
import { builder } from '../builder.js';

export const BatchError = builder.objectRef<BatchErrorEntry>('BatchError').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    param: t.exposeString('param', { nullable: true }),
    line: t.exposeInt('line', { nullable: true, description: 'The 1-based line of the input file.' }),
  }),
});
