// The stock @trpc/client as a frontend would build it: queries and mutations batched over HTTP,
// subscriptions over SSE (EventSource from the `eventsource` package). The key travels as a header
// (through a custom fetch, for SSE too) or, for SSE, as `connectionParams` (what a browser must do).
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../src/transports/trpc/router.js';

export type Client = TRPCClient<AppRouter>;
export type BatchOut = inferRouterOutputs<AppRouter>['batches']['get'];

export interface ClientOptions {
  /** The API key; none sends no credentials at all. */
  key?: string;
  /** How subscriptions authenticate (queries and mutations always send the header). */
  sseAuth?: 'header' | 'connectionParams';
  /** Sees every SSE request the EventSource makes, reconnections included. */
  onSseRequest?: (url: string, headers: Headers) => void;
}

export function trpcClient(baseUrl: string, { key, sseAuth = 'header', onSseRequest }: ClientOptions = {}): Client {
  const url = `${baseUrl}/trpc`;
  const authorization = key ? `Bearer ${key}` : undefined;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          connectionParams: sseAuth === 'connectionParams' && authorization ? { authorization } : null,
          eventSourceOptions: {
            fetch: (input, init) => {
              const headers = new Headers(init.headers);
              if (sseAuth === 'header' && authorization) headers.set('authorization', authorization);
              onSseRequest?.(String(input), headers);
              return fetch(input, { ...init, headers });
            },
          },
        }),
        false: httpBatchLink({ url, headers: authorization ? { authorization } : {} }),
      }),
    ],
  });
}

export interface Followed {
  /** Every event received, in order: `{id, data}` as `tracked()` sent them. */
  events: { id: string; data: BatchOut }[];
  /** Settles when the server ends the subscription (resolves) or it fails (rejects). */
  done: Promise<void>;
  unsubscribe(): void;
}

/** Subscribe to `batches.onUpdate` and collect its events. */
export function follow(
  client: Client,
  input: { id: string; lastEventId?: string },
  onEvent?: (event: { id: string; data: BatchOut }) => void,
): Followed {
  const events: Followed['events'] = [];
  let unsubscribe = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const subscription = client.batches.onUpdate.subscribe(input, {
      onData: (event) => {
        events.push(event);
        onEvent?.(event);
      },
      onComplete: resolve,
      onError: reject,
    });
    unsubscribe = () => subscription.unsubscribe();
  });
  return { events, done, unsubscribe: () => unsubscribe() };
}
