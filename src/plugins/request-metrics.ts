/**
 * Requests and subscriptions into the metrics (src/observability/metrics.ts):
 * every GraphQL request's duration by operation name, type and outcome,
 * requests refused by a query limit, and the SSE subscriptions (WebSocket
 * ones are counted by src/transport/websocket.ts, which sees their sockets).
 *
 * Over HTTP a request is timed from its parameters to its result, and
 * classified once, when its result comes, which every request reaches:
 * answered from the response cache, refused while parsing or validating,
 * refused or answered by execution. Over WebSocket an operation is timed
 * around its execution.
 *
 * The HTTP requests' two moments are reported by the response cache
 * (`HttpRequestObserver`, called from its onParams and onExecutionResult),
 * not by hooks of this plugin's own: Yoga runs every plugin's onParams and
 * onExecutionResult for every request, each through its own payload,
 * closures and promise plumbing, which on a cached read (~150 µs) cost more
 * than the timing itself. The cache's hooks run for every HTTP request
 * anyway, and a hit is timed there without a record at all.
 *
 * Why not @graphql-yoga/plugin-prometheus (envelop's): it labels series with
 * the operation name the client sends, unbounded; it misses the answers the
 * response cache gives before parsing; and prom-client's observe() builds a
 * label string on every call (see src/observability/metric-families.ts).
 */
import { type DocumentNode, type ExecutionResult, type GraphQLError, getOperationAST } from 'graphql';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';
import type { Context } from '../context.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { type EndReason, type Metrics, type OperationCells, type OperationType, type Outcome, REFUSAL_LIMITS, type RefusalLimit } from '../observability/metrics.js';

interface HttpRequest {
  started: number;
  /** Set once the operation is known (it was parsed and validated). */
  operation: OperationCells | null;
  type: OperationType;
  /** The parameters as sent, to name a request that never reaches execution. */
  params: { operationName?: string | null | undefined; query?: string | undefined };
}

/**
 * Where HTTP requests' records are kept while they run: a Map keyed by the request, each record removed when
 * its result comes. Not a property on the operation's context: Yoga then assigns our context's fields onto
 * that object, and one property more turned every executed request's context into one of V8's dictionary-mode
 * objects (%HasFastProperties false with metrics on, true off), whose every read by every plugin and resolver is
 * a hash lookup. Not a WeakMap either: its entries cost the garbage collector a few microseconds a request. A
 * request whose result never comes (a hook before it threw) would leave its record behind: records older than a
 * minute are dropped while the map is large. A request answered from the response cache has no record at all.
 */
export class RunningRequests {
  private readonly records = new Map<Request, HttpRequest>();
  private static readonly SWEEP_ABOVE = 10_000;
  private static readonly STALE_MS = 60_000;

  start(request: Request, params: HttpRequest['params'], started = performance.now()): void {
    if (this.records.size >= RunningRequests.SWEEP_ABOVE) this.sweep();
    this.records.set(request, { started, operation: null, type: 'unknown', params });
  }

  get(request: Request | undefined): HttpRequest | undefined {
    return request ? this.records.get(request) : undefined;
  }

  /** The request's record, removed. */
  end(request: Request): HttpRequest | undefined {
    const record = this.records.get(request);
    if (record) this.records.delete(request);
    return record;
  }

  get size(): number {
    return this.records.size;
  }

  private sweep(): void {
    const before = performance.now() - RunningRequests.STALE_MS;
    for (const [request, record] of this.records) if (record.started < before) this.records.delete(request);
  }
}

/** An operation's context, as far as this plugin reads it: an HTTP request's carries its Request. */
type MaybeHttp = { request?: Request };

const KEYWORDS = ['query', 'mutation', 'subscription'];
/** GraphQL's ignored characters between tokens: space, tab, line ends, comma, byte order mark. */
const ignored = (code: number) => code === 32 || code === 9 || code === 10 || code === 13 || code === 44 || code === 0xfeff;
const nameStart = (code: number) => code === 95 || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const nameContinue = (code: number) => nameStart(code) || (code >= 48 && code <= 57);

/**
 * The name of a document's first operation, read without parsing (a cached answer is never parsed): the name
 * after a leading `query`, `mutation` or `subscription`. A scan of the first few characters; a regular
 * expression's match allocated on every cached read (0.4 % of its CPU in a profile).
 */
export function leadingOperationName(query: string): string | undefined {
  let i = 0;
  while (i < query.length && ignored(query.charCodeAt(i))) i++;
  const keyword = KEYWORDS.find((k) => query.startsWith(k, i));
  if (!keyword) return undefined;
  i += keyword.length;
  const afterKeyword = i;
  while (i < query.length && ignored(query.charCodeAt(i))) i++;
  if (i === afterKeyword || i >= query.length || !nameStart(query.charCodeAt(i))) return undefined;
  const start = i;
  while (i < query.length && nameContinue(query.charCodeAt(i))) i++;
  return query.slice(start, i);
}

function operationOf(document: DocumentNode, operationName: string | null | undefined): { name: string | undefined; type: OperationType } {
  const operation = getOperationAST(document, operationName);
  return { name: operationName ?? operation?.name?.value, type: operation?.operation ?? 'unknown' };
}

/** How a request went, from its errors (masked or not yet: this plugin's hooks run before the masking's). */
export function outcomeOf(errors: readonly GraphQLError[] | undefined): Outcome {
  if (!errors?.length) return 'ok';
  let outcome: Outcome = 'client_error';
  for (const error of errors) {
    const code = error.extensions?.code;
    if (code === 'SERVICE_UNAVAILABLE' || (code === undefined && isDatabaseUnavailable(error.originalError))) outcome = 'unavailable';
    else if (code === 'INTERNAL_SERVER_ERROR' || (code === undefined && error.originalError && !('extensions' in error.originalError))) return 'internal_error';
    else if ((code === 'QUERY_LIMIT_EXCEEDED' || code === 'RATE_LIMITED') && outcome === 'client_error') outcome = 'refused';
  }
  return outcome;
}

/** Counts the query limits (depth, aliases, cost…) these errors report, by their `extensions.limit`. */
export function countQueryLimits(metrics: Metrics, errors: readonly GraphQLError[] | undefined): void {
  for (const error of errors ?? []) {
    const limit = error.extensions?.limit;
    if (error.extensions?.code === 'QUERY_LIMIT_EXCEEDED' && REFUSAL_LIMITS.includes(limit as RefusalLimit)) metrics.refused[limit as RefusalLimit].inc();
  }
}

/** Why a subscription's stream failed, from its error's code. */
export function endReasonOf(error: unknown): EndReason {
  const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
  if (code === 'SLOW_CONSUMER') return 'slow_consumer';
  if (code === 'UNAUTHENTICATED') return 'token_expired';
  return 'error';
}

const errorsOf = (result: unknown) => (result && typeof result === 'object' && 'errors' in result ? (result as ExecutionResult).errors : undefined);

/** The parameters of an HTTP request as sent. */
export type SentParams = HttpRequest['params'];

/**
 * What the response cache (src/plugins/response-cache.ts) reports of each HTTP request, from the hooks it runs
 * for every one of them. `started` is the performance.now() at which the request's parameters were read.
 */
export interface HttpRequestObserver {
  /** Answered from the cache at once: observed now, nothing kept. */
  cached(params: SentParams, started: number): void;
  /** To be answered by the plugins and execution: its record is kept until its result. */
  started(request: Request, params: SentParams, started: number): void;
  /** Its result, whoever gave it (a request answered from the cache has no record: nothing to do). */
  finished(request: Request, result: unknown): void;
}

export interface RequestMetrics {
  /** The WebSocket operations' timing, and the operation's name and type for HTTP requests that get that far. */
  plugin: Plugin<Context>;
  /** For the response cache to call (see the module's comment). */
  http: HttpRequestObserver;
}

export function createRequestMetrics(metrics: Metrics): RequestMetrics {
  const { operations } = metrics;
  const running = new RunningRequests();
  /** A request that never reached execution (answered from the cache, refused before it): named as sent. */
  const sentName = (params: SentParams) => params.operationName ?? (params.query ? leadingOperationName(params.query) : undefined);

  /** An operation over WebSocket: timed around its execution (or subscription set-up) here. */
  const overSocket = (args: { document: DocumentNode; operationName?: string | null | undefined }) => {
    const started = performance.now();
    const { name, type } = operationOf(args.document, args.operationName);
    const operation = operations.admit(name);
    return (result: unknown) => {
      const errors = errorsOf(result);
      countQueryLimits(metrics, errors);
      operations.observe(operation, type, outcomeOf(errors), (performance.now() - started) / 1000);
    };
  };

  const http: HttpRequestObserver = {
    cached(params, started) {
      operations.observe(operations.known(sentName(params)), 'query', 'cached', (performance.now() - started) / 1000);
    },
    started(request, params, started) {
      running.start(request, params, started);
    },
    finished(httpRequest, result) {
      const request = running.end(httpRequest);
      if (!request) return;
      const seconds = (performance.now() - request.started) / 1000;
      const operation = request.operation ?? operations.known(sentName(request.params));
      if (isAsyncIterable(result)) {
        operations.observe(operation, 'subscription', 'ok', seconds);
        return;
      }
      const errors = errorsOf(result);
      if (errors) countQueryLimits(metrics, errors);
      operations.observe(operation, request.type, outcomeOf(errors), seconds);
    },
  };

  const plugin: Plugin<Context> = {
    onExecute({ args }) {
      const request = running.get((args.contextValue as MaybeHttp).request);
      if (request) {
        const { name, type } = operationOf(args.document, args.operationName);
        request.operation = operations.admit(name);
        request.type = type;
        return undefined;
      }
      const finish = overSocket(args);
      return { onExecuteDone: ({ result }) => finish(result) };
    },
    onSubscribe({ args }) {
      const ctx = args.contextValue as Context;
      const request = running.get((ctx as MaybeHttp).request);
      let finish: ((result: unknown) => void) | null = null;
      if (request) {
        const { name } = operationOf(args.document, args.operationName);
        request.operation = operations.admit(name);
        request.type = 'subscription';
      } else {
        finish = overSocket(args);
      }
      // Set once an SSE stream starts: ends its subscription, once, with a reason.
      let ended: ((reason: EndReason) => void) | null = null;
      return {
        onSubscribeResult({ result }) {
          finish?.(result);
          // SSE streams are counted here; a WebSocket's subscriptions by the transport (src/transport/websocket.ts).
          if (ctx.connection?.kind === 'graphql-ws' || !isAsyncIterable(result)) return undefined;
          const end = metrics.subscriptionStarted('sse', ctx.viewer.role);
          ended = end;
          // A stream the transport writes and ends itself tells why it ended; its results are counted there (src/transport/sse-streams.ts).
          if (ctx.connection?.whenEnded?.(end)) return undefined;
          const delivered = metrics.eventsDelivered('sse');
          return {
            // Results pulled through the stream; those pushed to an SSE outlet are counted there (src/transport/sse-streams.ts).
            onNext: () => delivered.inc(),
            // A stream ends when its reader goes (the request is aborted and its iterator returned) or the server ends it.
            onEnd: () => end((ctx as { request?: Request }).request?.signal.aborted ? 'client_gone' : 'complete'),
          };
        },
        // A stream that fails does not reach onEnd.
        onSubscribeError: ({ error }) => ended?.(endReasonOf(error)),
      };
    },
  };
  return { plugin, http };
}
