// A batch's per-line results so far, in input order, one page at a time (`batches.results`).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBanner, Loading } from '../components/error-banner.js';
import { TableHead } from '../components/table-head.js';
import { resultExcerpt } from '../format.js';
import { useTRPC } from '../trpc.js';

const PAGE_SIZE = 20;

export function BatchResults({ batchId }: { batchId: string }) {
  const trpc = useTRPC();
  // The cursors of the pages before the current one; the current page's cursor is the last.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const results = useQuery({
    ...trpc.batches.results.queryOptions({ id: batchId, limit: PAGE_SIZE, cursor }),
    placeholderData: keepPreviousData,
  });
  const page = results.data;
  const first = (cursors.length - 1) * PAGE_SIZE;

  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {results.isPending ? <Loading what="results" /> : null}
      {results.isError ? <ErrorBanner error={results.error} onRetry={() => void results.refetch()} /> : null}
      {page && page.items.length === 0 && cursors.length === 1 ? (
        <p className="empty">No line has finished yet.</p>
      ) : null}
      {page && page.items.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">
              Results {first + 1} to {first + page.items.length}, in input order
            </caption>
            <TableHead
              columns={[{ label: 'Line', numeric: true }, 'Status', 'custom_id', 'Model', 'Answer or error']}
            />
            <tbody>
              {page.items.map((result) => (
                <tr key={result.index}>
                  <td className="num">{result.index + 1}</td>
                  <td>
                    <span className={`badge badge-${result.error ? 'bad' : 'good'}`}>
                      {result.statusCode ?? (result.error?.type || 'no answer')}
                    </span>
                  </td>
                  <td className="mono">{result.customId}</td>
                  <td>{result.model}</td>
                  <td className="excerpt">{resultExcerpt(result)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="pager">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 1}
          onClick={() => setCursors((all) => all.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={page?.nextCursor == null}
          onClick={() => {
            const next = page?.nextCursor;
            if (next != null) setCursors((all) => [...all, next]);
          }}
        >
          Next page
        </button>
      </div>
    </section>
  );
}
