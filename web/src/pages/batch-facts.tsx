// The facts of one batch: what it runs, its counts, usage and cost, every timestamp of its life,
// and the validation errors of a batch that failed.
import { BatchProgress } from '../components/batch-progress.js';
import { TableHead } from '../components/table-head.js';
import { formatCount, formatTime, formatUsd, isoTime } from '../format.js';
import type { Batch } from '../trpc.js';

const TIMELINE: { field: keyof Batch; label: string }[] = [
  { field: 'createdAt', label: 'Created' },
  { field: 'inProgressAt', label: 'In progress' },
  { field: 'finalizingAt', label: 'Finalizing' },
  { field: 'completedAt', label: 'Completed' },
  { field: 'failedAt', label: 'Failed' },
  { field: 'cancellingAt', label: 'Cancelling' },
  { field: 'cancelledAt', label: 'Cancelled' },
  { field: 'expiredAt', label: 'Expired' },
  { field: 'expiresAt', label: 'Expires' },
];

function When({ seconds }: { seconds: number | null }) {
  return seconds === null ? (
    <span className="muted">—</span>
  ) : (
    <time dateTime={isoTime(seconds)}>{formatTime(seconds)}</time>
  );
}

export function BatchFacts({ batch }: { batch: Batch }) {
  const { total, completed, failed } = batch.requestCounts;
  const { usage } = batch;
  return (
    <div className="facts">
      <section aria-labelledby="summary-heading" className="card">
        <h2 id="summary-heading">Summary</h2>
        <dl>
          <dt>Endpoint</dt>
          <dd className="mono">{batch.endpoint ?? '—'}</dd>
          <dt>Model</dt>
          <dd>{batch.model ?? (total > 0 ? 'mixed' : '—')}</dd>
          <dt>Provider</dt>
          <dd>{batch.provider ?? (total > 0 ? 'several' : '—')}</dd>
          {batch.jobName ? (
            <>
              <dt>Job name</dt>
              <dd>{batch.jobName}</dd>
            </>
          ) : null}
          <dt>Input file</dt>
          <dd className="mono">{batch.inputFileId}</dd>
          {batch.metadata && Object.keys(batch.metadata).length > 0 ? (
            <>
              <dt>Metadata</dt>
              <dd className="mono">{JSON.stringify(batch.metadata)}</dd>
            </>
          ) : null}
        </dl>
      </section>

      <section aria-labelledby="counts-heading" className="card">
        <h2 id="counts-heading">Requests</h2>
        <BatchProgress batch={batch} />
        <dl>
          <dt>Total</dt>
          <dd>{formatCount(total)}</dd>
          <dt>Completed</dt>
          <dd>{formatCount(completed)}</dd>
          <dt>Failed</dt>
          <dd>{formatCount(failed)}</dd>
        </dl>
      </section>

      <section aria-labelledby="usage-heading" className="card">
        <h2 id="usage-heading">Usage and cost</h2>
        <dl>
          <dt>Input tokens</dt>
          <dd>{formatCount(usage.inputTokens)}</dd>
          <dt>Output tokens</dt>
          <dd>{formatCount(usage.outputTokens)}</dd>
          <dt>Total tokens</dt>
          <dd>{formatCount(usage.totalTokens)}</dd>
          <dt>Input cost</dt>
          <dd>{formatUsd(usage.inputCost)}</dd>
          <dt>Output cost</dt>
          <dd>{formatUsd(usage.outputCost)}</dd>
          <dt>Total cost</dt>
          <dd>
            <strong>{formatUsd(usage.totalCost)}</strong>
          </dd>
        </dl>
      </section>

      <section aria-labelledby="timeline-heading" className="card">
        <h2 id="timeline-heading">Timeline</h2>
        <dl>
          {TIMELINE.map(({ field, label }) => (
            <div key={field} className="dl-row">
              <dt>{label}</dt>
              <dd>
                <When seconds={batch[field] as number | null} />
              </dd>
            </div>
          ))}
        </dl>
      </section>

      {batch.errors && batch.errors.length > 0 ? (
        <section aria-labelledby="errors-heading" className="card wide">
          <h2 id="errors-heading">Validation errors</h2>
          <div className="table-scroll">
            <table>
              <TableHead columns={[{ label: 'Line', numeric: true }, 'Code', 'Parameter', 'Message']} />
              <tbody>
                {batch.errors.map((error, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a batch's errors are a fixed list that never reorders.
                  <tr key={`${error.line}-${error.code}-${i}`}>
                    <td className="num">{error.line ?? '—'}</td>
                    <td className="mono">{error.code}</td>
                    <td className="mono">{error.param ?? '—'}</td>
                    <td>{error.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </div>
  );
}
