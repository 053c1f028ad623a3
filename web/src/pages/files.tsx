// The project's files (inputs it uploaded, outputs its batches wrote), newest first, with delete.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner, Loading } from '../components/error-banner.js';
import { TableHead } from '../components/table-head.js';
import { formatBytes, formatTime, isoTime } from '../format.js';
import { useTRPC } from '../trpc.js';

export function FilesPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useInfiniteQuery(
    trpc.files.list.infiniteQueryOptions({ limit: 50 }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const remove = useMutation(
    trpc.files.delete.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.files.list.pathKey() }),
    }),
  );
  const files = list.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <h1>Files</h1>
      {list.isPending ? <Loading what="files" /> : null}
      {list.isError ? <ErrorBanner error={list.error} onRetry={() => void list.refetch()} /> : null}
      {remove.isError ? <ErrorBanner error={remove.error} /> : null}
      {list.isSuccess && files.length === 0 ? <p className="empty">No files yet.</p> : null}
      {files.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Files, newest first</caption>
            <TableHead
              columns={[
                'File',
                'Name',
                'Purpose',
                { label: 'Size', numeric: true },
                'Created',
                { label: 'Actions', hidden: true },
              ]}
            />
            <tbody>
              {files.map((file) => (
                <tr key={file.id}>
                  <td className="mono">{file.id}</td>
                  <td className="break">{file.filename}</td>
                  <td>{file.purpose}</td>
                  <td className="num">{formatBytes(file.bytes)}</td>
                  <td>
                    <time dateTime={isoTime(file.createdAt)}>{formatTime(file.createdAt)}</time>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="danger small"
                      aria-label={`Delete ${file.filename} (${file.id})`}
                      disabled={remove.isPending && remove.variables?.id === file.id}
                      onClick={() => remove.mutate({ id: file.id })}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void list.fetchNextPage()}>
          Show older files
        </button>
      ) : null}
    </>
  );
}
