// A batch's progress as an ARIA progressbar: value = lines ended (completed + failed), max = total.
import type { Batch } from '../trpc.js';

export function BatchProgress({ batch }: { batch: Pick<Batch, 'id' | 'requestCounts'> }) {
  const { total, completed, failed } = batch.requestCounts;
  const done = completed + failed;
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`Progress of ${batch.id}`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} requests done`}
      >
        <div className="progress-done" style={{ width: `${percent}%` }} />
        {failed > 0 && total > 0 ? (
          <div className="progress-failed" style={{ width: `${(failed / total) * 100}%` }} />
        ) : null}
      </div>
      <span className="progress-label">
        {done}/{total}
      </span>
    </div>
  );
}
