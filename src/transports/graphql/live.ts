// Subscription streams that stop promptly: when the client goes away, graphql-js calls `return()`
// on the iterator; aborting the watch's signal first wakes a generator blocked waiting for the
// next event (and releases its stream slot even if it never started).
export async function abortable<T>(
  open: (signal: AbortSignal) => Promise<AsyncGenerator<T>>,
): Promise<AsyncIterableIterator<T>> {
  const controller = new AbortController();
  const inner = await open(controller.signal);
  const iterator: AsyncIterableIterator<T> = {
    next: () => inner.next(),
    return: (value?: unknown) => {
      controller.abort();
      return inner.return(value as T);
    },
    throw: (error?: unknown) => {
      controller.abort();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
