// Subscription streams that stop promptly: when the client goes away, graphql-js calls `return()`
// on the iterator; aborting the signal first wakes a generator blocked waiting for the next event.
// The server's shutdown signal ends every stream too, so open SSE responses do not hold close().
export function abortable<T>(
  shutdown: AbortSignal,
  start: (signal: AbortSignal) => AsyncGenerator<T>,
): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const inner = start(AbortSignal.any([controller.signal, shutdown]));
  return {
    next: () => inner.next(),
    return: (value?: unknown) => {
      controller.abort();
      return inner.return(value as T);
    },
    throw: (error?: unknown) => {
      controller.abort();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
