// The batches page: create a batch, and a table of the project's batches (newest first, more on
// demand) whose running rows follow their batch live.
import { useInfiniteQuery } from '@tanstack/react-query';
import { BatchProgress } from '../components/batch-progress.js';
import { ErrorBanner, Loading } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { TableHead } from '../components/table-head.js';
import { formatTime, formatUsd, isoTime } from '../format.js';
import { MAX_LIVE_BATCHES, useLiveBatch } from '../live.js';
import { Link, paths } from '../router.js';
import { type Batch, isTerminal, useTRPC } from '../trpc.js';
import { CreateBatch } from './create-batch.js';

function BatchRow({ batch, live }: { batch: Batch; live: boolean }) {
  useLiveBatch(batch, live);
  return (
    <tr>
      <td className="id-cell">
        <Link to={paths.batch(batch.id)} className="mono">
          {batch.id}
        </Link>
        {batch.jobName ? <div className="muted small">{batch.jobName}</div> : null}
      </td>
      <td>
        <StatusBadge status={batch.status} />
      </td>
      <td>
        <BatchProgress batch={batch} />
      </td>
      <td>{batch.model ?? (batch.requestCounts.total > 0 ? 'mixed' : '—')}</td>
      <td>
        <time dateTime={isoTime(batch.createdAt)}>{formatTime(batch.createdAt)}</time>
      </td>
      <td className="num">{formatUsd(batch.usage.totalCost)}</td>
    </tr>
  );
}

export function BatchesPage({ apiKey }: { apiKey: string }) {
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.batches.list.infiniteQueryOptions({ limit: 20 }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const batches = list.data?.pages.flatMap((page) => page.items) ?? [];
  // The newest running batches are followed live; when one ends, the next one is.
  const running = batches.filter((batch) => !isTerminal(batch.status));
  const live = new Set(running.slice(0, MAX_LIVE_BATCHES).map((batch) => batch.id));
  return (
    <>
      <h1>Batches</h1>
      <CreateBatch apiKey={apiKey} />
      <section aria-labelledby="batches-heading">
        <h2 id="batches-heading">Your batches</h2>
        {list.isPending ? <Loading what="batches" /> : null}
        {list.isError ? <ErrorBanner error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && batches.length === 0 ? (
          <p className="empty">No batches yet: create one from a JSONL file above.</p>
        ) : null}
        {batches.length > 0 ? (
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Batches, newest first</caption>
              <TableHead
                columns={['Batch', 'Status', 'Progress', 'Model', 'Created', { label: 'Cost', numeric: true }]}
              />
              <tbody>
                {batches.map((batch) => (
                  <BatchRow key={batch.id} batch={batch} live={live.has(batch.id)} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {running.length > live.size ? (
          <p className="muted small" role="note">
            Live progress is shown for the {live.size} newest of {running.length} running batches; open a batch to
            follow it.
          </p>
        ) : null}
        {list.hasNextPage ? (
          <button
            type="button"
            className="secondary"
            onClick={() => void list.fetchNextPage()}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? 'Loading…' : 'Show older batches'}
          </button>
        ) : null}
      </section>
    </>
  );
}
