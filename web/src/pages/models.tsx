// The models this gateway serves, with their providers and prices (USD per million tokens).
import { useQuery } from '@tanstack/react-query';
import { ErrorBanner, Loading } from '../components/error-banner.js';
import { TableHead } from '../components/table-head.js';
import { formatCount } from '../format.js';
import { useTRPC } from '../trpc.js';

const perMillion = (usd: number) => `$${usd.toFixed(usd < 0.1 && usd > 0 ? 3 : 2)}`;

export function ModelsPage() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  return (
    <>
      <h1>Models</h1>
      <p className="muted">Prices are in US dollars per million tokens. A line's body.model names one of these.</p>
      {models.isPending ? <Loading what="models" /> : null}
      {models.isError ? <ErrorBanner error={models.error} onRetry={() => void models.refetch()} /> : null}
      {models.data && models.data.length === 0 ? <p className="empty">No models are configured.</p> : null}
      {models.data && models.data.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Configured models</caption>
            <TableHead
              columns={[
                'Model',
                'Provider',
                'Status',
                { label: 'Input', numeric: true },
                { label: 'Output', numeric: true },
                { label: 'Context', numeric: true },
                'Description',
              ]}
            />
            <tbody>
              {models.data.map((model) => (
                <tr key={model.id}>
                  <td className="mono">{model.id}</td>
                  <td>{model.provider}</td>
                  <td>{model.status}</td>
                  <td className="num">{perMillion(model.inputPricePerMillion)}</td>
                  <td className="num">{perMillion(model.outputPricePerMillion)}</td>
                  <td className="num">{model.contextLength === null ? '—' : formatCount(model.contextLength)}</td>
                  <td>{model.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
