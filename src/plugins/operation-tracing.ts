/**
 * A span per GraphQL operation (installed only when tracing is on, see
 * src/observability/tracing.ts), in the trace its request carries in a W3C
 * `traceparent` header, or a trace of its own. Execution runs with the span
 * active, so every SQL statement it sends gets a span under it; the log
 * lines of the operation carry `traceId` and `spanId`.
 *
 * Placed after the plugins that replace the executor (compiled queries,
 * shared event execution, statement counting), so that it wraps whatever
 * runs in the end, and before those that log (rate limits, masking).
 */
import { type ExecutionArgs, type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Span, Tracing } from '../observability/tracing.js';

function startSpan(tracing: Tracing, args: ExecutionArgs): Span {
  const ctx = args.contextValue as Context & { request?: Request };
  const operation = getOperationAST(args.document, args.operationName);
  const type = operation?.operation ?? 'unknown';
  const name = args.operationName ?? operation?.name?.value;
  const span = tracing.startOperation(name ? `${type} ${name}` : type, {
    'graphql.operation.type': type,
    ...(name ? { 'graphql.operation.name': name } : {}),
    'diretta.request_id': ctx.requestId,
    'diretta.transport': ctx.connection?.kind === 'graphql-ws' ? 'graphql-ws' : 'http',
  }, ctx.request?.headers.get('traceparent') ?? null);
  const { traceId, spanId } = tracing.ids(span);
  ctx.log = ctx.log.child({ traceId, spanId });
  return span;
}

function endSpan(tracing: Tracing, span: Span, result: unknown) {
  const errors = result && typeof result === 'object' && 'errors' in result ? (result as ExecutionResult).errors : undefined;
  if (errors?.length) {
    const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'GRAPHQL_ERROR')))];
    span.setAttribute('graphql.error.codes', codes.join(','));
    if (codes.some((code) => code === 'INTERNAL_SERVER_ERROR' || code === 'SERVICE_UNAVAILABLE' || code === 'GRAPHQL_ERROR')) tracing.fail(span, new Error(codes.join(',')));
  }
  span.end();
}

export function useOperationTracing(tracing: Tracing): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const span = startSpan(tracing, args);
      setExecuteFn((execution) => tracing.withSpan(span, () => executeFn(execution)));
      return { onExecuteDone: ({ result }) => endSpan(tracing, span, result) };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      // The span covers setting the subscription up (authorising, replaying from the cursor): a stream
      // lives for hours, and each event's work has a span of its own (the live bus's dispatch).
      const span = startSpan(tracing, args);
      setSubscribeFn((subscription) => tracing.withSpan(span, () => subscribeFn(subscription)));
      return { onSubscribeResult: ({ result }) => endSpan(tracing, span, Symbol.asyncIterator in result ? undefined : result) };
    },
  };
}
