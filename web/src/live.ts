// Live batches: while a batch on screen is running, follow it through `batches.onUpdate` (SSE; the
// tRPC client reconnects by itself and resumes from the last state it saw) and write every state
// into the query cache, so its row and its page update without polling.
import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { type Batch, isTerminal, type Outputs, useTRPC } from './trpc.js';

type ListPages = InfiniteData<Outputs['batches']['list']>;

function storeBatch(queryClient: QueryClient, trpc: ReturnType<typeof useTRPC>, batch: Batch): void {
  queryClient.setQueryData(trpc.batches.get.queryKey({ id: batch.id }), batch);
  queryClient.setQueriesData<ListPages>({ queryKey: trpc.batches.list.pathKey() }, (old) =>
    old?.pages
      ? {
          ...old,
          pages: old.pages.map((page) => ({
            ...page,
            items: page.items.map((item) => (item.id === batch.id ? batch : item)),
          })),
        }
      : old,
  );
  // Lines that ended since the last state appear in the results table.
  void queryClient.invalidateQueries({ queryKey: trpc.batches.results.queryKey({ id: batch.id }) });
}

/**
 * A browser opens at most six HTTP/1.1 connections to one origin and each live batch holds one:
 * a page follows this many at most, so queries still get through.
 */
export const MAX_LIVE_BATCHES = 4;

/** Follow `batch` while it is not finished; returns the subscription's state for a "reconnecting" hint. */
export function useLiveBatch(batch: Batch | undefined, wanted = true) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const live = wanted && batch !== undefined && !isTerminal(batch.status);
  return useSubscription(
    trpc.batches.onUpdate.subscriptionOptions(
      { id: batch?.id ?? '' },
      { enabled: live, onData: (event) => storeBatch(queryClient, trpc, event.data) },
    ),
  );
}
