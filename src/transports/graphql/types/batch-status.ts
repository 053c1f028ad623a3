// BatchStatus: the batch life cycle, uppercase on the wire, the domain's lowercase status inside.
import type { BatchStatus as DomainStatus } from '../../../db/tables/batches.js';
import { builder } from '../builder.js';

export const BatchStatus = builder.enumType('BatchStatus', {
  values: {
    VALIDATING: { value: 'validating', description: 'The input file is being validated.' },
    FAILED: { value: 'failed', description: 'Validation failed; see `errors`. Nothing was sent upstream.' },
    IN_PROGRESS: { value: 'in_progress', description: 'Requests are being executed.' },
    FINALIZING: { value: 'finalizing', description: 'Writing the output and error files.' },
    COMPLETED: { value: 'completed', description: 'Done; results are in the output and error files.' },
    EXPIRED: { value: 'expired', description: 'The completion window passed; partial results are kept.' },
    CANCELLING: { value: 'cancelling', description: 'Cancel requested; in-flight requests are ending.' },
    CANCELLED: { value: 'cancelled', description: 'Cancelled; partial results are kept.' },
  } as const satisfies Record<string, { value: DomainStatus; description: string }>,
});
