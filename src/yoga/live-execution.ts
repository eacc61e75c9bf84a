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
 * other one receives the same result. Results can only differ by role
 * (drafts, retracted bodies), which is why the role is part of the key.
 */
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute } from 'graphql';
import { type Plugin, isAsyncIterable, mapAsyncIterator } from 'graphql-yoga';
import type { Context } from '../context.js';
import { countStatements } from '../db/statement-counter.js';
import type { LiveEvent } from '../live/events.js';

function isLiveEvent(value: unknown): value is LiveEvent {
  return typeof value === 'object' && value !== null && 'shared' in value && (value as LiveEvent).shared instanceof Map;
}

/** How often an event's selection was executed, and how often a subscriber got a result executed for another. */
export const liveExecutionStats = { executions: 0, shared: 0 };

/** Per subscription: the key of its operation among an event's shared results (its args never change). */
const operationKeys = new WeakMap<ExecutionArgs, string>();

interface SharedResult {
  promise: Promise<ExecutionResult>;
  /** Once settled: handed out as is, saving every later subscriber a promise hop. */
  value?: ExecutionResult;
}

/** The payload a subscribe resolver yields is whatever the field's `resolve` gets: here always a LiveEvent. */
function executeEvent(args: ExecutionArgs, payload: unknown): ExecutionResult | Promise<ExecutionResult> {
  const subscriberContext = args.contextValue as Context;
  if (!isLiveEvent(payload)) return execute({ ...args, rootValue: payload });
  const role = subscriberContext.viewer.role;
  let byDocument = payload.shared.get(args.document) as Map<string, SharedResult> | undefined;
  if (!byDocument) {
    byDocument = new Map();
    payload.shared.set(args.document as DocumentNode, byDocument);
  }
  let key = operationKeys.get(args);
  if (key === undefined) {
    key = `${role}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
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
    promise: Promise.resolve(countStatements(sharedContext.statements, () => execute({ ...args, rootValue: payload, contextValue: sharedContext }))),
  };
  void created.promise.then(
    (value) => (created.value = value),
    () => {},
  );
  byDocument.set(key, created);
  return created.promise;
}

export function useSharedEventExecution(): Plugin<Context> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source as ExecutionResult;
        return mapAsyncIterator(source as AsyncIterable<unknown>, (payload) => executeEvent(args, payload));
      });
    },
  };
}
