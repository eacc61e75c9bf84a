/**
 * Envelop plugins that every operation goes through, over HTTP, SSE and
 * WebSocket alike: statement counting, error masking with logging, and
 * operation logs.
 */
import { PothosValidationError } from '@pothos/core';
import { type DocumentNode, type ExecutionResult, GraphQLError, Kind, getOperationAST } from 'graphql';
import { type Plugin, handleStreamOrSingleExecutionResult } from 'graphql-yoga';
import type { Context } from '../context.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { countStatements } from '../db/statement-counter.js';
import { isClientError } from '../errors.js';
import { withInputField } from './input-field-names.js';
import { isPushedStream } from './pushed-stream.js';

/**
 * Runs execution inside a statement counter, so that `ctx.statements`
 * counts what the operation ran, and reports it in `extensions.sqlStatements`
 * (REPORT_SQL_STATEMENTS: tests, benchmarks, debugging).
 */
export function useStatementCounting(): Plugin<Context> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => countStatements((args.contextValue as Context).statements, () => executeFn(args)));
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, args }) => {
            result.extensions = { ...result.extensions, sqlStatements: (args.contextValue as Context).statements?.statements };
          });
        },
      };
    },
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn((args) => countStatements((args.contextValue as Context).statements, () => subscribeFn(args)));
    },
  };
}

/**
 * Client errors (with a known `extensions.code`) pass through; Pothos'
 * own input validation errors become BAD_USER_INPUT; anything else is logged
 * with the request id and replaced by an opaque INTERNAL_SERVER_ERROR that
 * quotes the id, so a user can report it and we can find it. Exported for
 * the results of shared live events, masked once for all their subscribers
 * (src/plugins/shared-event-execution.ts).
 */
export function maskErrors(result: ExecutionResult, ctx: Context, document: DocumentNode | undefined): void {
  if (!result.errors?.length) return;
  // One failed batch fails every field it fed: log the outage once per operation, not per field.
  let outageLogged = false;
  const errors = result.errors.map((error) => {
    const original = error.originalError;
    // Errors GraphQL itself raises (validation, variable coercion) and the
    // ones we throw on purpose are meant for the client.
    if (isClientError(error)) return error;
    if (!original || original instanceof GraphQLError) {
      // e.g. a variable of the wrong type: name it as what it is.
      return error.extensions?.code
        ? error
        : new GraphQLError(error.message, { nodes: error.nodes, path: error.path, originalError: original, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
    }
    if (original instanceof PothosValidationError) {
      return new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions: { code: 'BAD_USER_INPUT' } });
    }
    if (isDatabaseUnavailable(original)) {
      if (!outageLogged) ctx.log.warn({ err: original, path: error.path?.join('.'), fields: result.errors!.length }, 'database unavailable');
      outageLogged = true;
      return new GraphQLError('The database is unavailable; try again shortly.', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'SERVICE_UNAVAILABLE', requestId: ctx.requestId, http: { status: 503, headers: { 'retry-after': '2' } } },
      });
    }
    ctx.log.error({ err: original, path: error.path?.join('.') }, 'internal error while resolving a field');
    return new GraphQLError(`Unexpected error. Quote request id ${ctx.requestId} when reporting it.`, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: ctx.requestId },
    });
  });
  // A value GraphQL refused while coercing the variables names its input field, as our own errors do.
  result.errors = errors.map((error) => withInputField(error, document, false));
}

/**
 * What a subscription stream that fails midway (over SSE or a WebSocket)
 * ends with: a client's error as it is; anything else logged under the
 * subscription's request id, which the client is given instead. Exported
 * for the SSE streams the transport ends itself (src/transport/sse-streams.ts).
 */
export function streamErrorFor(ctx: Pick<Context, 'log' | 'requestId'>, error: unknown): GraphQLError {
  if (error instanceof GraphQLError && isClientError(error)) return error;
  if (isDatabaseUnavailable(error)) ctx.log.warn({ err: error }, 'database unavailable: a subscription stream failed');
  else ctx.log.error({ err: error }, 'internal error in a subscription stream');
  return new GraphQLError(`Unexpected error. Quote request id ${ctx.requestId} when reporting it.`, { extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: ctx.requestId } });
}

/** maskErrors on every result, over HTTP, SSE and WebSocket. */
export function useErrorMasking(): Plugin<Context> {
  const mask = maskErrors;
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, args }) => mask(result as ExecutionResult, args.contextValue as Context, args.document as DocumentNode));
        },
      };
    },
    onSubscribe({ args }) {
      const ctx = args.contextValue as Context;
      return {
        onSubscribeResult(payload) {
          if (isPushedStream(payload.result)) return undefined;
          return handleStreamOrSingleExecutionResult(payload, ({ result, args }) => mask(result as ExecutionResult, args.contextValue as Context, args.document as DocumentNode));
        },
        onSubscribeError({ error, setError }) {
          const shown = streamErrorFor(ctx, error);
          if (shown !== error) setError(shown);
        },
      };
    },
  };
}

/** One log line per operation: name, type, duration, statements, error codes. */
export function useOperationLog(): Plugin<Context> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const ctx = args.contextValue as Context;
      const definition = getOperationAST(args.document as DocumentNode, args.operationName);
      const type = definition?.operation;
      // Name the operation, or failing that its first root field (`query { story … }` → "story").
      const first = definition?.selectionSet.selections[0];
      const operation = args.operationName ?? definition?.name?.value ?? (first?.kind === Kind.FIELD ? first.name.value : undefined);
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result }) => {
            const codes = result.errors?.map((e) => String(e.extensions?.code ?? 'GRAPHQL_ERROR'));
            ctx.log.info(
              { type, operation, ms: Math.round((performance.now() - started) * 10) / 10, ...(ctx.statements ? { sql: ctx.statements.statements } : {}), ...(codes ? { errors: codes } : {}) },
              'operation',
            );
          });
        },
      };
    },
  };
}
