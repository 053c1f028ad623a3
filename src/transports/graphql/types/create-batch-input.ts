// CreateBatchInput: what createBatch takes; validated by the domain's CreateBatchInput schema
// (exactly one of inputFileId and requests, as on REST).
import { builder } from '../builder.js';
import { BatchMode } from './batch-mode.js';
import { ExpiresAfterInput } from './expires-after-input.js';
import { JSONScalar } from './json.js';

export const CreateBatchInput = builder.inputType('CreateBatchInput', {
  fields: (t) => ({
    inputFileId: t.id({ description: 'A file uploaded with purpose "batch". Give this or `requests`.' }),
    requests: t.field({
      type: [JSONScalar],
      description:
        'Inline request lines ({custom_id, method, url, body}), stored as a generated input file. Give this or `inputFileId`.',
    }),
    endpoint: t.string({
      required: true,
      description: '/v1/chat/completions, /v1/embeddings, /v1/completions, /v1/responses or /v1/moderations.',
    }),
    completionWindow: t.string({ defaultValue: '24h', description: 'Only "24h" is supported.' }),
    metadata: t.field({
      type: JSONScalar,
      description: 'Up to 16 string keys (≤ 64 chars) with string values (≤ 512 chars).',
    }),
    jobName: t.string({ description: 'A name for the batch (≤ 256 chars).' }),
    mode: t.field({ type: BatchMode, description: 'Where its lines run (default AUTO).' }),
    outputExpiresAfter: t.field({
      type: ExpiresAfterInput,
      description: 'The output and error files expire this long after they are written.',
    }),
  }),
});
