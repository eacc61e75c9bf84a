/**
 * OpenTelemetry traces, when OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per
 * GraphQL operation (under the trace its request carries in `traceparent`),
 * per SQL statement it runs, and per event the live bus dispatches (with the
 * shared execution of each distinct subscription under it), exported over
 * OTLP/HTTP.
 *
 * Unset, tracing costs nothing: `startTracing` returns null, the callers
 * install no hook, and neither the SDK nor anything else of OpenTelemetry
 * is loaded (./otel.ts is imported only here, on demand). When it is on, the
 * active span follows the work through AsyncLocalStorage (that is how a SQL
 * statement knows its operation), whose promise hooks tax every promise in
 * the process: the price of tracing, paid only by an instance that traces.
 */
import type { TracingOptions, Tracing } from './tracing-types.js';

export type { Span, SpanAttributes, Tracing, TracingOptions } from './tracing-types.js';

/** Tracing as configured, or null (nothing loaded) when no endpoint is set. */
export async function startTracing(options: TracingOptions | null): Promise<Tracing | null> {
  if (!options) return null;
  const { createOtelTracing } = await import('./otel.js');
  return createOtelTracing(options);
}
