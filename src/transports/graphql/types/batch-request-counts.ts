// BatchRequestCounts: how many requests a batch holds and how many ended, live while it runs.
import type { Batch } from '../../../domain/batches/batch.js';
import { builder } from '../builder.js';

export const BatchRequestCounts = builder.objectRef<Batch['requestCounts']>('BatchRequestCounts').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    completed: t.exposeInt('completed', { description: 'Requests answered with a 2xx.' }),
    failed: t.exposeInt('failed', { description: 'Requests that ended any other way.' }),
  }),
});
