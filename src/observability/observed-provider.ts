// A Provider decorated with observation: every `send` is timed and counted by provider, model and
// status code (`error` when no answer came), and with tracing on it runs inside the call's GenAI
// client span. The wrapped provider is unchanged.
import type { ModelConfig } from '../config.js';
import type { Providers } from '../providers/index.js';
import type { Provider, ProviderRequest, ProviderResponse } from '../providers/provider.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

export interface Observers {
  metrics: Metrics;
  tracing: Tracing | null;
  models: ReadonlyMap<string, ModelConfig>;
}

export function observeProvider(provider: Provider, { metrics, tracing, models }: Observers): Provider {
  // Plain promise handlers, no helper closure: this runs once per upstream call.
  const timed = (request: ProviderRequest): Promise<ProviderResponse> => {
    const totals = metrics.totalsFor(provider.name, request.model ?? 'unknown');
    const started = performance.now();
    return provider.send(request).then(
      (response) => {
        metrics.upstreamCall(totals, response.statusCode, (performance.now() - started) / 1000);
        return response;
      },
      (error: unknown) => {
        metrics.upstreamCall(totals, null, (performance.now() - started) / 1000);
        throw error;
      },
    );
  };
  const send: Provider['send'] = tracing
    ? (request) =>
        tracing.traceUpstream(
          {
            provider: provider.name,
            endpoint: request.endpoint,
            requestModel: (request.model && models.get(request.model)?.upstreamModel) ?? request.model ?? 'unknown',
            batchId: request.batchId,
          },
          () => timed(request),
        )
    : timed;
  return { name: provider.name, send, close: () => provider.close() };
}

export function observeProviders(providers: Providers, observers: Observers): Providers {
  return new Map([...providers].map(([name, provider]) => [name, observeProvider(provider, observers)]));
}
