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
import type { Span } from '@opentelemetry/api';

export type { Span };

export type SpanAttributes = Record<string, string | number | boolean>;

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** OTEL_EXPORTER_OTLP_HEADERS, parsed (e.g. an API key). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME. */
  serviceName: string;
  /** OTEL_TRACES_SAMPLER_ARG: the share of traces kept (0–1); a request's sampled `traceparent` is always followed. */
  sampleRatio: number;
}

export interface Tracing {
  /** An operation's span, in the trace of `traceparent` (the W3C header of its request) when there is one. */
  startOperation(name: string, attributes: SpanAttributes, traceparent: string | null): Span;
  /** A span under the active one; null when no span is active (background work is not traced). */
  startChild(name: string, attributes: SpanAttributes, kind?: 'client' | 'internal'): Span | null;
  /** A span that starts a trace of its own (an event's dispatch). */
  startRoot(name: string, attributes: SpanAttributes): Span;
  /** A span under `parent`. */
  startUnder(parent: Span, name: string, attributes: SpanAttributes): Span;
  /** Runs `fn` with `span` active: the spans it starts are its children. */
  withSpan<T>(span: Span, fn: () => T): T;
  /** Marks a span failed, with the error's type and message (not its stack). */
  fail(span: Span, error: unknown): void;
  /** The ids log lines carry, so a log line leads to its trace. */
  ids(span: Span): { traceId: string; spanId: string };
  /** Sends the spans ended so far. */
  flush(): Promise<void>;
  /** Sends what is left and stops. */
  shutdown(): Promise<void>;
}

/** Tracing as configured, or null (nothing loaded) when no endpoint is set. */
export async function startTracing(options: TracingOptions | null): Promise<Tracing | null> {
  if (!options) return null;
  const { createOtelTracing } = await import('./otel.js');
  return createOtelTracing(options);
}
