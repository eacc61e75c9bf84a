/**
 * Rate limits for mutations and for expensive queries, per token subject
 * (or, for anonymous callers, per client address). Token buckets refilled
 * continuously, kept in memory: each API instance limits on its own.
 */
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  getNamedType,
  getOperationAST,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import { DEFAULT_PAGE_SIZE } from '../loaders/pages.js';

class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private sweeps = 0;

  constructor(private readonly perMinute: number) {}

  /** Takes a token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string, now = Date.now()): number {
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (++this.sweeps % 10_000 === 0) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / rate / 1000);
  }

  /** Full buckets carry no information: drop them so memory follows active callers only. */
  private sweep(now: number) {
    for (const [key, bucket] of this.buckets) if (bucket.tokens + (now - bucket.at) * (this.perMinute / 60_000) >= this.perMinute) this.buckets.delete(key);
  }
}

/**
 * How many list items an operation may return at most: each connection's
 * page size (first/last, default 20) multiplied by the pages above it, and
 * plain lists (an entry's people…) counted as 10. A story page of 20
 * entries with their quotes is 20 + 20×10 = 220.
 */
export function estimateListItems(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): { items: number; search: boolean } {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  let search = false;
  const valueOf = (node: ValueNode | undefined): unknown => (node?.kind === Kind.INT ? Number(node.value) : node?.kind === Kind.VARIABLE ? variables?.[node.name.value] : undefined);
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, multiplier: number, depth: number, seen: ReadonlySet<string>): number => {
    if (depth > 50 || !parent) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          total += walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), multiplier, depth + 1, new Set([...seen, fragment.name.value]));
        }
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += walk(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent, multiplier, depth + 1, seen);
        continue;
      }
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const definition = parent.getFields()[selection.name.value];
      if (!definition || !selection.selectionSet) continue;
      if (selection.name.value === 'search' && parent === schema.getQueryType()) search = true;
      const type = getNamedType(definition.type);
      let count = multiplier;
      if (type.name.endsWith('Connection')) {
        const arg = (name: string) => valueOf(selection.arguments?.find((a) => a.name.value === name)?.value);
        const size = Number(arg('first') ?? arg('last') ?? DEFAULT_PAGE_SIZE);
        count = multiplier * (Number.isFinite(size) && size >= 0 ? size : DEFAULT_PAGE_SIZE);
      } else if (isListType(getNullableType(definition.type)) && !parent.name.endsWith('Connection')) {
        count = multiplier * 10;
      }
      if (count !== multiplier) total += count;
      total += walk(selection.selectionSet, type, count, depth + 1, seen);
    }
    return total;
  };
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return { items: walk(operation.selectionSet, root ?? undefined, 1, 0, new Set()), search };
}

function limited(what: string, retryAfter: number) {
  return new GraphQLError(`Too many ${what}: try again in ${retryAfter} s.`, {
    extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: { 'retry-after': String(retryAfter) } } },
  });
}

export function useRateLimits(limits: Limits): Plugin<Context> {
  const mutations = new TokenBuckets(limits.rateLimitMutations);
  const expensive = new TokenBuckets(limits.rateLimitExpensive);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const document = args.document as DocumentNode;
      const operation = getOperationAST(document, args.operationName);
      if (!operation) return;
      const key = ctx.viewer.subject ? `sub:${ctx.viewer.subject}` : `ip:${ctx.clientAddress}`;
      let wait = 0;
      let what = '';
      if (operation.operation === 'mutation' && limits.rateLimitMutations > 0) {
        wait = mutations.take(key);
        what = 'mutations';
      } else if (operation.operation === 'query' && limits.rateLimitExpensive > 0) {
        const estimate = estimateListItems(args.schema, document, operation, args.variableValues as Record<string, unknown> | undefined);
        if (estimate.search || estimate.items > limits.expensiveQueryItems) {
          wait = expensive.take(key);
          what = 'expensive queries (search, or large pages)';
        }
      }
      if (wait > 0) {
        ctx.log.warn({ key, what }, 'rate limited');
        setResultAndStopExecution({ errors: [limited(what, wait)], data: null });
      }
    },
  };
}
