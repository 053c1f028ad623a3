// CreateBatchInput: what createBatch takes; validated by the domain's CreateBatchInput schema.
import { builder } from '../builder.js';
import { JSONScalar } from './json.js';

export const CreateBatchInput = builder.inputType('CreateBatchInput', {
  fields: (t) => ({
    inputFileId: t.id({ required: true, description: 'A file uploaded with purpose "batch".' }),
    endpoint: t.string({
      required: true,
      description: '/v1/chat/completions, /v1/embeddings, /v1/completions or /v1/responses.',
    }),
    completionWindow: t.string({ defaultValue: '24h', description: 'Only "24h" is supported.' }),
    metadata: t.field({
      type: JSONScalar,
      description: 'Up to 16 string keys (≤ 64 chars) with string values (≤ 512 chars).',
    }),
  }),
});
