// BatchResult: how one input line ended (GoModel's per-line result), and its error when it did not
// succeed: the upstream error's message and type, or why no answer came (batch_cancelled, …).
import type { BatchResult as DomainResult } from '../../../domain/batches/batch-results.js';
import { builder } from '../builder.js';
import { JSONScalar } from './json.js';

const BatchResultError = builder.objectRef<NonNullable<DomainResult['error']>>('BatchResultError').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    type: t.exposeString('type', { description: 'The upstream error type, or the code of a line that got no answer.' }),
  }),
});

export const BatchResult = builder.objectRef<DomainResult>('BatchResult').implement({
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'The 0-based line of the input file.' }),
    customId: t.exposeString('customId'),
    url: t.exposeString('url', { nullable: true }),
    model: t.exposeString('model'),
    provider: t.exposeString('provider'),
    statusCode: t.exposeInt('statusCode', {
      nullable: true,
      description: 'The upstream status; null without an answer.',
    }),
    response: t.expose('response', { type: JSONScalar, nullable: true, description: 'The upstream answer body.' }),
    error: t.expose('error', { type: BatchResultError, nullable: true, description: 'Null when the line succeeded.' }),
  }),
});
