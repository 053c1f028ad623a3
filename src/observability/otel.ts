// The OpenTelemetry side of tracing, imported only when tracing is on: the Node SDK exporting
// spans (and nothing else) over OTLP/HTTP, server spans from the http instrumentation, undici
// client spans, and the GenAI client span of each upstream call. The exporter reads the standard
// OTEL_EXPORTER_OTLP_* variables itself.
import { type Attributes, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Tracing, UpstreamCall } from './tracing.js';
import { errorType, operationOf, responseAttributes } from './upstream-attributes.js';

/**
 * Query parameters never exported in a span's URL: the instrumentation's own list of signed-URL
 * parameters, plus tRPC's `connectionParams`, where a browser's SSE subscription carries its API key.
 */
const REDACTED_QUERY_PARAMS = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'connectionParams',
];

export function startOpenTelemetry(): Tracing {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'batchgate',
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({
        redactedQueryParams: REDACTED_QUERY_PARAMS,
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
      }),
      new UndiciInstrumentation(),
    ],
    // Traces only: metrics are served by /metrics, logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const tracer = trace.getTracer('batchgate');

  return {
    traceUpstream(call: UpstreamCall, send) {
      const operation = operationOf(call.endpoint);
      const attributes: Attributes = {
        'gen_ai.operation.name': operation,
        'gen_ai.provider.name': call.provider,
        'gen_ai.request.model': call.requestModel,
      };
      if (call.batchId) attributes['batchgate.batch.id'] = call.batchId;
      const name = `${operation} ${call.requestModel}`;
      return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          const response = await send();
          span.setAttributes(responseAttributes(response));
          if (response.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
          return response;
        } catch (error) {
          span.setAttribute('error.type', errorType(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    nameServerSpan(method, route) {
      const span = trace.getActiveSpan();
      span?.updateName(`${method} ${route}`);
      span?.setAttribute('http.route', route);
    },
    logMixin() {
      const context = trace.getActiveSpan()?.spanContext();
      return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
    },
    shutdown: () => sdk.shutdown(),
  };
}
