// The dashboard: sign-in until a key is kept, then the pages, with one query cache and one tRPC
// client per key (a new key starts from an empty cache).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Layout } from './components/layout.js';
import { BatchPage } from './pages/batch.js';
import { BatchesPage } from './pages/batches.js';
import { FilesPage } from './pages/files.js';
import { ModelsPage } from './pages/models.js';
import { SignInPage } from './pages/sign-in.js';
import { Link, matchRoute, paths, type Route, usePath } from './router.js';
import { useApiKey } from './session.js';
import { createClient, TRPCProvider } from './trpc.js';

/** Client errors (4xx) are answers, not hiccups: only retry what might succeed the second time. */
function retryable(failureCount: number, error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
  return failureCount < 2 && (status === undefined || status >= 500);
}

const TITLES: Record<Route['page'], string> = {
  batches: 'Batches',
  batch: 'Batch',
  files: 'Files',
  models: 'Models',
  'not-found': 'Not found',
};

function Page({ route, apiKey }: { route: Route; apiKey: string }) {
  switch (route.page) {
    case 'batches':
      return <BatchesPage apiKey={apiKey} />;
    case 'batch':
      return <BatchPage apiKey={apiKey} id={route.id} />;
    case 'files':
      return <FilesPage />;
    case 'models':
      return <ModelsPage />;
    case 'not-found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page here. <Link to={paths.batches()}>Go to your batches.</Link>
          </p>
        </>
      );
  }
}

export function App() {
  const apiKey = useApiKey();
  const route = matchRoute(usePath());
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: retryable, staleTime: 5_000 } } }),
  );
  const client = useMemo(() => (apiKey ? createClient(apiKey) : null), [apiKey]);
  useEffect(() => {
    // Nothing cached under one key may show under another.
    if (!apiKey) queryClient.clear();
  }, [apiKey, queryClient]);
  useEffect(() => {
    document.title = apiKey
      ? `${route.page === 'batch' ? route.id : TITLES[route.page]} · batchgate`
      : 'Sign in · batchgate';
  }, [apiKey, route]);

  if (!apiKey || !client) return <SignInPage />;
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={client} queryClient={queryClient}>
        <Layout route={route}>
          <Page route={route} apiKey={apiKey} />
        </Layout>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
