/** What the rest of Diretta sees of tracing (./tracing.ts), apart from the SDK behind it (./otel.ts). */
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

