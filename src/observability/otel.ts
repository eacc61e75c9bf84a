/**
 * The OpenTelemetry SDK behind ./tracing.ts, loaded only when tracing is on.
 *
 * Nothing global is registered (no global tracer provider, context manager
 * or propagator): each app instance keeps its own, so two instances in one
 * process (the tests) do not share spans, and nothing else in the process
 * starts tracing because Diretta does.
 */
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapGetter, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanAttributes, Tracing, TracingOptions } from './tracing-types.js';

const headerGetter: TextMapGetter<string | null> = {
  keys: () => ['traceparent'],
  get: (carrier, key) => (key === 'traceparent' && carrier ? carrier : undefined),
};

export function createOtelTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`, headers: options.headers });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('diretta');
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();
  const under = (parent: Context, name: string, attributes: SpanAttributes, kind: SpanKind) => tracer.startSpan(name, { kind, attributes }, parent);

  return {
    startOperation(name, attributes, traceparent) {
      const parent = traceparent ? propagator.extract(ROOT_CONTEXT, traceparent, headerGetter) : ROOT_CONTEXT;
      return under(parent, name, attributes, SpanKind.SERVER);
    },
    startChild(name, attributes, kind = 'internal') {
      const active = contexts.active();
      if (!trace.getSpan(active)) return null;
      return under(active, name, attributes, kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL);
    },
    startRoot: (name, attributes) => under(ROOT_CONTEXT, name, attributes, SpanKind.INTERNAL),
    startUnder: (parent, name, attributes) => under(trace.setSpan(ROOT_CONTEXT, parent), name, attributes, SpanKind.INTERNAL),
    withSpan: (span, fn) => contexts.with(trace.setSpan(contexts.active(), span), fn),
    fail(span: Span, error: unknown) {
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.setAttribute('error.type', name);
    },
    ids(span) {
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      contexts.disable();
    },
  };
}
