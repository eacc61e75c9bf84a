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
 */
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, Kind, createSourceEventStream, execute, getOperationAST, visit } from 'graphql';
import { type Plugin, isAsyncIterable, mapAsyncIterator } from 'graphql-yoga';
import type { Context } from '../context.js';
import { countStatements } from '../db/statement-counter.js';
import { type LiveEvent, isLiveEvent } from '../live/load-events.js';
import type { Tracing } from '../observability/tracing.js';

/** Per event: per document, the shared result of each distinct operation. */
const executionsOf = new WeakMap<LiveEvent, WeakMap<DocumentNode, Map<string, SharedResult>>>();

/** How often an event's selection was executed, and how often a subscriber got a result executed for another. */
export const liveExecutionStats = { executions: 0, shared: 0 };

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
  const subscriberContext = args.contextValue as Context;
  if (!isLiveEvent(payload)) return execute({ ...args, rootValue: payload });
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
    return shared.value ?? shared.promise;
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
    ),
  };
  void created.promise.then(
    (value) => (created.value = value),
    () => {},
  );
  byDocument.set(key, created);
  return created.promise;
}

export function useSharedEventExecution(tracing: Tracing | null = null): Plugin<Context> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source as ExecutionResult;
        return mapAsyncIterator(source as AsyncIterable<unknown>, (payload) => executeEvent(tracing, args, payload));
      });
    },
  };
}
