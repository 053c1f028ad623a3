// BatchConnection / BatchEdge: a Relay page of batches, newest first.
import { builder } from '../builder.js';
import { Batch } from './batch.js';

export const BatchConnection = builder.connectionObject(
  { type: Batch, name: 'BatchConnection' },
  { name: 'BatchEdge' },
);
