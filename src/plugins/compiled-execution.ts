/**
 * Queries run through graphql-jit: each document is compiled once into a
 * function that resolves exactly its fields (no AST walk, no generic field
 * lookup per value). On an uncached story page it serves about 40 % more
 * requests a second than graphql-js' executor on the same machine
 * (docs/performance.md). Mutations and subscriptions keep graphql-js'
 * executor: they run far less often, and subscriptions share one execution per event
 * (./shared-event-execution.ts). Compiled queries are kept per parsed
 * document (a WeakMap), so they live as long as Yoga's parser cache keeps
 * the document: memory is bounded by that cache, not by what clients send.
 *
 * Two differences from graphql-js are made good here and in
 * patches/graphql-jit+0.8.7.patch: variables that fail to coerce are a 400
 * (as @graphql-tools/executor answers them), and fields from fragments keep
 * their place in the response.
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type ExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';

/** Errors before execution (variables that do not coerce) come without `data`: the request was bad, not the field. */
function markRequestErrors(result: ExecutionResult): ExecutionResult {
  if ('data' in result || !result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map(
      (e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: { ...e.extensions, http: { status: 400 } } }),
    ),
  };
}

export function useCompiledQueries(): Plugin<Context> {
  const jit = useGraphQlJit() as Plugin<Context>;
  return {
    onExecute(payload) {
      if (getOperationAST(payload.args.document, payload.args.operationName)?.operation !== 'query') return;
      // jit hands over its executor through setExecuteFn: wrapped, so the result is marked before any other plugin sees it.
      void jit.onExecute!({
        ...payload,
        setExecuteFn: (compiled) =>
          payload.setExecuteFn(async (args) => {
            const result = await compiled(args);
            return Symbol.asyncIterator in result ? result : markRequestErrors(result);
          }),
      });
    },
  };
}
