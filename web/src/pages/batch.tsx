// One batch at /ui/batches/<id>: status (live while it runs), its facts, downloads of the output
// and error files, cancel, retry of its failed lines (a new batch, opened at once), and the paged
// per-line results.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type MouseEvent, useState } from 'react';
import { ErrorBanner, Loading } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { useLiveBatch } from '../live.js';
import { downloadFile } from '../rest.js';
import { Link, navigate, paths } from '../router.js';
import { type Batch, isTerminal, useTRPC } from '../trpc.js';
import { BatchFacts } from './batch-facts.js';
import { BatchResults } from './batch-results.js';

function DownloadLink({
  apiKey,
  fileId,
  saveAs,
  label,
  onError,
}: {
  apiKey: string;
  fileId: string;
  saveAs: string;
  label: string;
  onError: (error: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  const click = async (event: MouseEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await downloadFile(apiKey, fileId, saveAs);
    } catch (error) {
      onError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <a
      href={`/v1/files/${encodeURIComponent(fileId)}/content`}
      onClick={click}
      aria-busy={busy}
      className="button-link"
    >
      {label}
    </a>
  );
}

function Actions({ apiKey, batch }: { apiKey: string; batch: Batch }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const cancel = useMutation(
    trpc.batches.cancel.mutationOptions({
      onSuccess: (updated) => queryClient.setQueryData(trpc.batches.get.queryKey({ id: updated.id }), updated),
      onError: setError,
    }),
  );
  const retry = useMutation(
    trpc.batches.retry.mutationOptions({
      onSuccess: async (created) => {
        await queryClient.invalidateQueries({ queryKey: trpc.batches.list.pathKey() });
        navigate(paths.batch(created.id));
      },
      onError: setError,
    }),
  );
  const hasFiles = batch.outputFileId || batch.errorFileId;
  // A finished batch with lines that did not succeed (a batch that failed validation ran none).
  const retryable = isTerminal(batch.status) && (batch.requestCounts.failed > 0 || batch.status === 'failed');
  return (
    <div className="actions">
      {batch.outputFileId ? (
        <DownloadLink
          apiKey={apiKey}
          fileId={batch.outputFileId}
          saveAs={`${batch.id}.output.jsonl`}
          label="Download output"
          onError={setError}
        />
      ) : null}
      {batch.errorFileId ? (
        <DownloadLink
          apiKey={apiKey}
          fileId={batch.errorFileId}
          saveAs={`${batch.id}.errors.jsonl`}
          label="Download errors"
          onError={setError}
        />
      ) : null}
      {!hasFiles && isTerminal(batch.status) ? <span className="muted">No output files.</span> : null}
      {!isTerminal(batch.status) ? (
        <button
          type="button"
          className="danger"
          disabled={cancel.isPending || batch.status === 'cancelling'}
          onClick={() => {
            setError(null);
            cancel.mutate({ id: batch.id });
          }}
        >
          Cancel
        </button>
      ) : null}
      {retryable ? (
        <button
          type="button"
          disabled={retry.isPending}
          onClick={() => {
            setError(null);
            retry.mutate({ id: batch.id });
          }}
        >
          Retry failed
        </button>
      ) : null}
      {error ? <ErrorBanner error={error} /> : null}
    </div>
  );
}

export function BatchPage({ apiKey, id }: { apiKey: string; id: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.batches.get.queryOptions({ id }));
  const batch = query.data;
  const live = useLiveBatch(batch);

  return (
    <>
      <p>
        <Link to={paths.batches()}>← All batches</Link>
      </p>
      <h1 className="mono break">{id}</h1>
      {query.isPending ? <Loading what="the batch" /> : null}
      {query.isError ? <ErrorBanner error={query.error} onRetry={() => void query.refetch()} /> : null}
      {batch ? (
        <>
          <div className="status-line">
            <span>Status:</span> <StatusBadge status={batch.status} />
            {live.status === 'connecting' && live.error ? (
              <span className="muted" role="status">
                Reconnecting…
              </span>
            ) : null}
          </div>
          {live.status === 'error' ? <ErrorBanner error={live.error} /> : null}
          <Actions apiKey={apiKey} batch={batch} />
          <BatchFacts batch={batch} />
          <BatchResults batchId={batch.id} />
        </>
      ) : null}
    </>
  );
}
