// A batch status as the API names it (`in_progress`, `completed`, …), coloured by outcome.
import type { BatchStatus } from '../trpc.js';

const TONE: Record<BatchStatus, string> = {
  validating: 'pending',
  in_progress: 'running',
  finalizing: 'running',
  cancelling: 'pending',
  completed: 'good',
  failed: 'bad',
  expired: 'bad',
  cancelled: 'neutral',
};

export function StatusBadge({ status }: { status: BatchStatus }) {
  return <span className={`badge badge-${TONE[status]}`}>{status}</span>;
}
