/**
 * Subscriptions execute each event once per distinct operation, not once
 * per subscriber.
 *
 * graphql-js would run the selection set of every subscriber separately,
 * each with its own context and DataLoaders: 10,000 tickers on one story
 * would mean 10,000 executions and as many queries per event. Instead, the
 * LiveEvent object the bus hands to every subscriber carries a memo: the
 * first subscriber with a given operation (same document, variables and
 * role) executes it with a context shared by that event and role; every
 * other one receives the same result. The memo is kept beside the event
 * (a WeakMap keyed by the very object the bus hands to every subscriber),
 * so it lives exactly as long as the event. Results can only differ by role
 * (drafts, retracted bodies), which is why the role is part of the key.
 *
 * Over a WebSocket the results are not pulled through a chain of async
 * iterators either (bus, resolver, envelop, graphql-ws: a dozen promises per
 * subscriber per event). The transport hands each subscription an outlet
 * (`ctx.connection.outlet`, src/transport/websocket.ts); once the
 * subscriber has caught up (its replay is over), the bus calls the
 * subscription's SharedStream for each event synchronously, which takes the
 * shared result (computed by the first subscriber, then cached on the
 * event) and writes it to the outlet: the shared bytes go to the socket
 * straight from the bus's dispatch loop. graphql-ws still holds an iterator
 * for the subscription, whose one pending next() settles when the stream
 * ends (complete, an error, the socket's close, shutdown): the protocol's
 * `complete` and `error` messages, and every envelop hook on them, are
 * unchanged.
 */
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, Kind, createSourceEventStream, execute, getOperationAST, visit } from 'graphql';
import { type Plugin, isAsyncIterable, mapAsyncIterator } from 'graphql-yoga';
import type { Context, LiveOutlet } from '../context.js';
import { countStatements } from '../db/statement-counter.js';
import type { LiveIterator, LiveSink } from '../live/bus.js';
import { type LiveEvent, isLiveEvent } from '../live/load-events.js';
import type { Tracing } from '../observability/tracing.js';
import { maskErrors } from './operation-plugins.js';
import { PUSHED_STREAM } from './pushed-stream.js';

/** Per event: per document, the shared result of each distinct operation. */
const executionsOf = new WeakMap<LiveEvent, WeakMap<DocumentNode, Map<string, SharedResult>>>();

/**
 * How often an event's selection was executed, and how often a subscriber
 * got a result executed for another; WebSocket streams pushed to by the bus,
 * and the next() calls they were asked (one each, whatever the events).
 */
export const liveExecutionStats = { executions: 0, shared: 0, pushedStreams: 0, streamPulls: 0, serialised: 0 };

/**
 * Yoga writes an SSE event with the result's own `stringify` when it has one
 * (graphql-yoga's jsonStringifyResultWithoutInternals): a shared result
 * carries one that serialises it once for all its SSE subscribers. Only the
 * result itself is cached: Yoga hands it a copy when it strips internals
 * from errors, which is serialised as it comes.
 */
function serialiseOnce(result: ExecutionResult): void {
  let json: string | null = null;
  Object.defineProperty(result, 'stringify', {
    enumerable: false,
    value: (value: unknown) => {
      if (value !== result) return JSON.stringify(value);
      if (json === null) {
        liveExecutionStats.serialised++;
        json = JSON.stringify(value);
      }
      return json;
    },
  });
}

/**
 * Variables that only say where a replay starts (the root field's `after`)
 * cannot change what an event looks like: leaving them out of the key lets
 * readers who resumed from different cursors share one execution.
 */
const replayOnlyVariables = new WeakMap<DocumentNode, ReadonlySet<string>>();
export function replayOnly(document: DocumentNode): ReadonlySet<string> {
  let names = replayOnlyVariables.get(document);
  if (names) return names;
  const rootAfterUses = new Map<string, number>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const root of definition.selectionSet.selections) {
      if (root.kind !== Kind.FIELD) continue;
      for (const argument of root.arguments ?? []) {
        if (argument.name.value === 'after' && argument.value.kind === Kind.VARIABLE) {
          const name = argument.value.name.value;
          rootAfterUses.set(name, (rootAfterUses.get(name) ?? 0) + 1);
        }
      }
    }
  }
  const uses = new Map<string, number>();
  visit(document, {
    Variable(node, _key, parent) {
      const declaration = !Array.isArray(parent) && (parent as { kind?: string }).kind === Kind.VARIABLE_DEFINITION;
      if (!declaration) uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1);
    },
  });
  names = new Set([...rootAfterUses].filter(([name, count]) => uses.get(name) === count).map(([name]) => name));
  replayOnlyVariables.set(document, names);
  return names;
}

/** Per subscription: the key of its operation among an event's shared results (its args never change). */
const operationKeys = new WeakMap<ExecutionArgs, string>();

interface SharedResult {
  promise: Promise<ExecutionResult>;
  /** Once settled: handed out as is, saving every later subscriber a promise hop. */
  value?: ExecutionResult;
  /** Once failed (not an error result: the execution itself threw). */
  failed?: { error: unknown };
}

/** Runs an event's shared execution under a span of the event's dispatch, when tracing and the dispatch is still under way. */
function underDispatch(tracing: Tracing | null, event: LiveEvent, args: ExecutionArgs, run: () => ExecutionResult | Promise<ExecutionResult>) {
  const dispatch = event.delivery?.open ? event.delivery.span : null;
  if (!tracing || !dispatch) return run();
  const name = args.operationName ?? getOperationAST(args.document, args.operationName)?.name?.value;
  const span = tracing.startUnder(dispatch, name ? `execute subscription ${name}` : 'execute subscription', { 'graphql.operation.type': 'subscription', ...(name ? { 'graphql.operation.name': name } : {}) });
  const ended = (value: ExecutionResult) => {
    span.end();
    return value;
  };
  try {
    const result = tracing.withSpan(span, run);
    return result instanceof Promise ? result.then(ended, (error: unknown) => {
      tracing.fail(span, error);
      span.end();
      throw error;
    }) : ended(result);
  } catch (error) {
    tracing.fail(span, error);
    span.end();
    throw error;
  }
}

/** The payload a subscribe resolver yields is whatever the field's `resolve` gets: here always a LiveEvent. */
function executeEvent(tracing: Tracing | null, args: ExecutionArgs, payload: unknown): ExecutionResult | Promise<ExecutionResult> {
  if (!isLiveEvent(payload)) return execute({ ...args, rootValue: payload });
  const shared = sharedResult(tracing, args, payload);
  return shared.value ?? shared.promise;
}

/** The result of this subscription's operation for an event: executed by the first subscriber who asks, shared with the rest. */
function sharedResult(tracing: Tracing | null, args: ExecutionArgs, payload: LiveEvent): SharedResult {
  const subscriberContext = args.contextValue as Context;
  const role = subscriberContext.viewer.role;
  let byEvent = executionsOf.get(payload);
  if (!byEvent) {
    byEvent = new WeakMap();
    executionsOf.set(payload, byEvent);
  }
  let byDocument = byEvent.get(args.document);
  if (!byDocument) {
    byDocument = new Map();
    byEvent.set(args.document, byDocument);
  }
  let key = operationKeys.get(args);
  if (key === undefined) {
    const skip = replayOnly(args.document);
    const variables = Object.entries(args.variableValues ?? {}).filter(([name]) => !skip.has(name));
    key = `${role}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(variables)}`;
    operationKeys.set(args, key);
  }
  const shared = byDocument.get(key);
  if (shared) {
    liveExecutionStats.shared++;
    return shared;
  }
  liveExecutionStats.executions++;
  const sharedContext: Context = {
    ...subscriberContext,
    viewer: { role, subject: null },
    requestId: `event:${payload.row.storyId}:${payload.row.seq}`,
    // Not the first subscriber's socket: the execution belongs to all of them.
    connection: null,
    statements: subscriberContext.statements ? { statements: 0 } : null,
  };
  const created: SharedResult = {
    promise: Promise.resolve(
      underDispatch(tracing, payload, args, () => countStatements(sharedContext.statements, () => execute({ ...args, rootValue: payload, contextValue: sharedContext }))),
    ).then((value) => {
      // Masked once for every subscriber (the envelop's hooks mask it again, to no effect, for those who pull it).
      maskErrors(value, sharedContext, args.document);
      serialiseOnce(value);
      return value;
    }),
  };
  void created.promise.then(
    (value) => (created.value = value),
    (error: unknown) => (created.failed = { error }),
  );
  byDocument.set(key, created);
  return created;
}

/** Whether the subscribe resolver's stream can be pushed to (the live bus's, through src/schema/types/story-event.ts). */
function isLiveIterator(source: unknown): source is LiveIterator {
  return typeof (source as Partial<LiveIterator>).live === 'function';
}

const DONE: IteratorResult<ExecutionResult> = Object.freeze({ done: true, value: undefined });

/**
 * A WebSocket subscription's stream, written to its outlet. Until the
 * subscriber has caught up (a replay after its cursor, events queued
 * meanwhile) it pulls, one result written and flushed at a time; then the
 * bus pushes (LiveSink). To graphql-ws and the envelop it is an iterator
 * whose first next() settles only at the end: done when the stream ends or
 * is returned, rejected with the stream's error.
 */
class SharedStream implements AsyncIterableIterator<ExecutionResult>, LiveSink {
  private started = false;
  private ended = false;
  private endWhenFlushed = false;
  private parked: { resolve: (result: IteratorResult<ExecutionResult>) => void; reject: (error: unknown) => void } | null = null;
  /** Events pushed while the shared result of the first of them is still being computed, in order. */
  private waiting: LiveEvent[] | null = null;
  private waitingFor: SharedResult[] | null = null;

  constructor(
    private readonly source: LiveIterator,
    private readonly args: ExecutionArgs,
    private readonly outlet: LiveOutlet,
    private readonly tracing: Tracing | null,
  ) {
    liveExecutionStats.pushedStreams++;
    outlet.attached?.(this);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** It yields nothing through envelop (its results are masked once, where they are shared): hooks that map each result skip it. */
  get [PUSHED_STREAM](): true {
    return true;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    liveExecutionStats.streamPulls++;
    if (this.ended) return Promise.resolve(DONE);
    const settled = new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => (this.parked = { resolve, reject }));
    if (!this.started) {
      this.started = true;
      void this.pump();
    }
    return settled;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw error;
  }

  get idle(): boolean {
    return this.waiting === null;
  }

  /** From the bus, once live: one event, written at once if its shared result is ready, else after it (in order). */
  event(event: LiveEvent): void {
    if (this.ended) {
      event.delivery?.done(false);
      return;
    }
    const shared = sharedResult(this.tracing, this.args, event);
    if (this.waiting === null && (shared.value || shared.failed)) {
      this.write(event, shared);
      return;
    }
    if (this.waiting === null) {
      this.waiting = [];
      this.waitingFor = [];
      void shared.promise.then(this.flush, this.flush);
    }
    this.waiting.push(event);
    this.waitingFor!.push(shared);
  }

  end(error?: unknown): void {
    if (error !== undefined) this.fail(error);
    else if (this.waiting) this.endWhenFlushed = true;
    else this.finish();
  }

  private readonly flush = () => {
    const waiting = this.waiting;
    const waitingFor = this.waitingFor;
    if (!waiting || !waitingFor) return;
    while (waiting.length > 0 && (waitingFor[0]!.value || waitingFor[0]!.failed)) {
      this.write(waiting.shift()!, waitingFor.shift()!);
      if (this.ended) return;
    }
    if (waiting.length > 0) {
      void waitingFor[0]!.promise.then(this.flush, this.flush);
      return;
    }
    this.waiting = null;
    this.waitingFor = null;
    if (this.endWhenFlushed) this.finish();
  };

  private write(event: LiveEvent, shared: SharedResult) {
    if (shared.failed) {
      event.delivery?.done(false);
      this.fail(shared.failed.error);
      return;
    }
    const written = this.outlet.write(shared.value!);
    event.delivery?.done(written);
    if (!written) this.finish();
  }

  /** Pulls until caught up (a replay, events queued meanwhile), each result flushed before the next; then the bus pushes. */
  private async pump() {
    try {
      await this.source.begin();
      for (;;) {
        if (this.ended || this.source.live(this)) return;
        const next = await this.source.next();
        if (this.ended) return;
        if (next.done) return this.finish();
        const result = await executeEvent(this.tracing, this.args, next.value);
        if (this.ended) return;
        let written = true;
        await new Promise<void>((resolve) => (written = this.outlet.write(result, resolve)));
        if (!written) return this.finish();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private finish() {
    this.stop((parked) => parked.resolve(DONE));
  }

  private fail(error: unknown) {
    this.stop((parked) => parked.reject(error));
  }

  /** Ends once: drops what waits, leaves the bus at once (a no-op when it ended the stream itself), settles the parked reader. */
  private stop(settle: (parked: NonNullable<typeof this.parked>) => void) {
    if (this.ended) return;
    this.ended = true;
    this.drop();
    void this.source.return?.();
    if (this.parked) settle(this.parked);
    this.parked = null;
  }

  private drop() {
    if (this.waiting) for (const event of this.waiting) event.delivery?.done(false);
    this.waiting = null;
    this.waitingFor = null;
  }
}

export function useSharedEventExecution(tracing: Tracing | null = null): Plugin<Context> {
  // One function for every subscription (envelop keeps the one it was given for as long as the stream runs).
  const subscribe = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const outlet = (args.contextValue as Context).connection?.outlet;
    if (outlet && isLiveIterator(source)) return new SharedStream(source, args, outlet, tracing);
    return mapAsyncIterator(source as AsyncIterable<unknown>, (payload) => executeEvent(tracing, args, payload));
  };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe);
    },
  };
}
