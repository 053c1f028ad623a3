// The dashboard's typed tRPC client, built against the gateway's exported `AppRouter` type: queries
// and mutations are batched over HTTP with the key in the authorization header; subscriptions run
// over SSE with the key in `connectionParams`, since a browser's EventSource cannot send headers.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../../src/transports/trpc/router.js';

// The gateway's own list of terminal statuses: batch.ts imports only types and clock.ts, so the
// bundle gains the list and nothing of the server.
export { isTerminal } from '../../src/domain/batches/batch.js';

export type Outputs = inferRouterOutputs<AppRouter>;
export type Batch = Outputs['batches']['get'];
export type BatchStatus = Batch['status'];
export type BatchResult = Outputs['batches']['results']['items'][number];
export type FileObject = Outputs['files']['get'];
export type Model = Outputs['models']['list'][number];

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

const TRPC_URL = '/trpc';

export function createClient(apiKey: string) {
  const authorization = `Bearer ${apiKey}`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: TRPC_URL, connectionParams: { authorization } }),
        // The gateway takes at most 10 calls in one batched request.
        false: httpBatchLink({ url: TRPC_URL, headers: { authorization }, maxItems: 10 }),
      }),
    ],
  });
}

/** The gateway refused the key (missing, wrong or revoked). */
export const isUnauthorized = (error: unknown) =>
  error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED';
