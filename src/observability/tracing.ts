// Tracing switch: with OTEL_EXPORTER_OTLP_ENDPOINT set, OpenTelemetry (loaded only then, by dynamic
// import, so an untraced process never pays for it) exports spans over OTLP/HTTP; otherwise null.
// Start it before the HTTP server is loaded: the http instrumentation patches `node:http` on load.
import type { ProviderResponse } from '../providers/provider.js';
import type { LogMixin } from './logger.js';

/** One upstream call, as its span describes it. */
export interface UpstreamCall {
  /** The configured provider name (`gen_ai.provider.name`). */
  provider: string;
  /** The batch endpoint, e.g. `/v1/chat/completions`. */
  endpoint: string;
  /** The model sent upstream (`gen_ai.request.model`). */
  requestModel: string;
  batchId: string | undefined;
}

export interface Tracing {
  /** Run one upstream call inside a CLIENT span named `{operation} {model}` with the gen_ai attributes. */
  traceUpstream(call: UpstreamCall, send: () => Promise<ProviderResponse>): Promise<ProviderResponse>;
  /** Name the current HTTP server span after the matched route, e.g. `POST /v1/batches`. */
  nameServerSpan(method: string, route: string): void;
  /** `trace_id`/`span_id` of the active span, for every log line. */
  logMixin: LogMixin;
  /** Export what is buffered and stop. */
  shutdown(): Promise<void>;
}

export async function startTracing(config: { otlpEndpoint: string | undefined }): Promise<Tracing | null> {
  if (!config.otlpEndpoint) return null;
  const { startOpenTelemetry } = await import('./otel.js');
  return startOpenTelemetry();
}
