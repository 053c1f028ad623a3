// BatchMode: where a batch's lines run, uppercase on the wire, the domain's lowercase mode inside.
import type { BatchMode as DomainMode } from '../../../db/tables/batches.js';
import { builder } from '../builder.js';

export const BatchMode = builder.enumType('BatchMode', {
  values: {
    AUTO: { value: 'auto', description: 'Lines of providers with a native batch API go there; the rest run directly.' },
    NATIVE: { value: 'native', description: "Every line goes to its provider's native batch API, or the batch fails." },
    DIRECT: { value: 'direct', description: 'batchgate sends every line itself.' },
  } as const satisfies Record<string, { value: DomainMode; description: string }>,
});
