// BatchResultConnection / BatchResultEdge: a Relay page of a batch's per-line results in input
// order; the cursor is the line index. `nodes` spares clients the edges when they need no cursor.
import type { BatchResult as DomainResult } from '../../../domain/batches/batch-results.js';
import { builder } from '../builder.js';
import { BatchResult } from './batch-result.js';

export const BatchResultConnection = builder.connectionObject(
  {
    type: BatchResult,
    name: 'BatchResultConnection',
    fields: (t) => ({
      nodes: t.field({
        type: [BatchResult],
        description: "This page's results (the edges' nodes).",
        // Batch.results resolves its connection with a plain array of edges (toIndexConnection).
        resolve: (connection) => (connection.edges as { node: DomainResult }[]).map((edge) => edge.node),
      }),
    }),
  },
  { name: 'BatchResultEdge' },
);
