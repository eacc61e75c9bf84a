/**
 * What an operation costs, estimated once per operation and read by
 * everything that needs it: the cost limit (MAX_COST, refused before
 * anything runs), the expensive-query rate limit, and the response cache (an
 * expensive answer served from memory still counts against that limit).
 * One estimate, not three: graphql-armor's own cost analysis read literal
 * arguments only, so `first: $n` walked around it.
 */
import {
  type DocumentNode,
  type GraphQLError,
  type ExecutionArgs,
  type GraphQLNamedType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  getNamedType,
  getNullableType,
  getOperationAST,
  isInterfaceType,
  isListType,
  isObjectType,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import { DEFAULT_PAGE_SIZE } from '../page-size.js';
import { LIMITS as ENTRY_LIMITS } from '../editing/entries.js';
import { QUOTE_LIMITS } from '../editing/quote-rules.js';
import { ANALYZE_TEXT_MIN_CHARGE, MAX_ANALYZED_TEXT } from '../loaders/text-analysis.js';
import { limitError } from './query-limits.js';

/**
 * Field extension for a scalar field that returns a whole list inside one
 * value (a JSON document of up to N entries): counted as N items, so that
 * aliasing it many times is as costly as asking for the list that many times.
 */
export const LIST_ITEMS_EXTENSION = 'listItems';

/**
 * Bytes one value of a field may take in a response, at most: its longest
 * allowed text at 2 bytes a character (UTF-8 of Latin and Cyrillic text)
 * plus its key. Fields not listed take LEAF_BYTES (IDs, dates, numbers,
 * enums, short names).
 */
const LEAF_BYTES = 128;
const textBytes = (characters: number) => 2 * characters + 32;
const FIELD_BYTES: Record<string, number> = {
  'Entry.body': textBytes(ENTRY_LIMITS.body),
  'Entry.headline': textBytes(ENTRY_LIMITS.headline),
  'Entry.author': textBytes(ENTRY_LIMITS.author),
  'Entry.correctionNote': textBytes(ENTRY_LIMITS.correctionNote),
  'Quote.text': textBytes(QUOTE_LIMITS.text),
  'Quote.context': textBytes(QUOTE_LIMITS.context),
  'Quote.attribution': textBytes(QUOTE_LIMITS.attribution),
  'Story.title': textBytes(200),
  'Story.summary': textBytes(1_000),
  'Person.name': textBytes(200),
  'Person.description': textBytes(500),
  'Person.aliases': 20 * textBytes(200),
  'Place.name': textBytes(200),
  'Place.aliases': 20 * textBytes(200),
};
/** One item of a JSON field holding entries (a liveBlogPosting update): headline, body, byline, dates, and its URL. */
const DOCUMENT_ITEM_BYTES = textBytes(ENTRY_LIMITS.headline) + textBytes(ENTRY_LIMITS.body) + textBytes(ENTRY_LIMITS.author) + 4 * LEAF_BYTES;

/**
 * How many list items an operation may return at most: each connection's
 * page size (first/last, default 20) multiplied by the pages above it, and
 * plain lists (an entry's people…) counted as 10, and a scalar field
 * holding a list counted as its `listItems` extension. Page sizes given as
 * variables count with the value sent, or else the variable's default. A
 * story page of 20 entries with their quotes is 20 + 20×10 = 220.
 */
export function estimateListItems(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): OperationCost {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  let searches = 0;
  let analyzed = 0;
  let bytes = 0;
  const defaults = new Map(operation.variableDefinitions?.map((d) => [d.variable.name.value, d.defaultValue]) ?? []);
  const valueOf = (node: ValueNode | undefined): unknown => {
    if (node?.kind === Kind.INT) return Number(node.value);
    if (node?.kind === Kind.STRING) return node.value;
    if (node?.kind !== Kind.VARIABLE) return undefined;
    const name = node.name.value;
    return variables?.[name] ?? valueOf(defaults.get(name));
  };
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
      if (!definition) continue;
      const arg = (name: string) => valueOf(selection.arguments?.find((a) => a.name.value === name)?.value);
      const declared = definition.extensions?.[LIST_ITEMS_EXTENSION];
      // A document field that takes `first` (liveBlogPosting) holds no more than it asks for.
      const asked = Number(arg('first'));
      const listItems = typeof declared === 'number' && Number.isInteger(asked) && asked >= 0 ? Math.min(declared, asked) : declared;
      if (typeof listItems === 'number') {
        total += multiplier * listItems;
        // Each item repeats the document's URL (url#entry-…), so a long URL makes every item longer.
        const url = arg('url');
        bytes += multiplier * listItems * (DOCUMENT_ITEM_BYTES + 2 * (typeof url === 'string' ? url.length : 0));
      }
      if (!selection.selectionSet) {
        if (typeof listItems !== 'number') {
          const each = FIELD_BYTES[`${parent.name}.${definition.name}`] ?? LEAF_BYTES;
          bytes += (isListType(getNullableType(definition.type)) ? multiplier * 10 : multiplier) * each;
        }
        continue;
      }
      if (selection.name.value === 'search' && parent === schema.getQueryType()) searches += 1;
      if (selection.name.value === 'analyzeText' && parent === schema.getQueryType()) {
        const text = arg('text');
        analyzed += Math.max(ANALYZE_TEXT_MIN_CHARGE, typeof text === 'string' ? Math.min(text.length, MAX_ANALYZED_TEXT) : 0);
      }
      const type = getNamedType(definition.type);
      let count = multiplier;
      if (type.name.endsWith('Connection')) {
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
  const items = walk(operation.selectionSet, root ?? undefined, 1, 0, new Set());
  return { items, searches, analyzed, bytes };
}

export interface OperationCost {
  /** List items it may return at most (see estimateListItems). */
  items: number;
  /** Full-text searches it runs (each alias is one). */
  searches: number;
  /** Characters of text it analyses (analyzeText, each alias at least ANALYZE_TEXT_MIN_CHARGE), for the caller's budget. */
  analyzed: number;
  /** Bytes its response may take at most: each leaf as often as the lists above it repeat it (see FIELD_BYTES). */
  bytes: number;
}

/** Per operation (its context object): the estimate, made the first time anyone asks. */
const costs = new WeakMap<object, { document: DocumentNode; cost: OperationCost }>();

export function operationCost(args: ExecutionArgs): OperationCost {
  const key = args.contextValue as object;
  const known = costs.get(key);
  if (known && known.document === args.document) return known.cost;
  const operation = getOperationAST(args.document, args.operationName);
  const cost = operation ? estimateListItems(args.schema, args.document, operation, args.variableValues as Record<string, unknown> | undefined) : { items: 0, searches: 0, analyzed: 0, bytes: 0 };
  costs.set(key, { document: args.document, cost });
  return cost;
}

/** Whether a query counts against the expensive-query rate limit: a search, or more items than the threshold. */
export function isExpensive(args: ExecutionArgs, limits: Pick<Limits, 'expensiveQueryItems'>): boolean {
  const cost = operationCost(args);
  return cost.searches > 0 || cost.items > limits.expensiveQueryItems;
}

/** How many expensive queries it counts as: each aliased search is one, so 15 searches in one request are 15. */
export function expensiveWeight(args: ExecutionArgs): number {
  return Math.max(1, operationCost(args).searches);
}

/**
 * Refuses, before anything runs, an operation that may return more list
 * items than MAX_COST, or a response larger than MAX_RESPONSE_BYTES, on
 * every transport (HTTP, SSE, WebSocket; for a subscription, each event's).
 */
export function useCostLimit(limits: Pick<Limits, 'maxCost' | 'maxResponseBytes'>): Plugin<Context> {
  const check = (args: ExecutionArgs, refuse: (result: { errors: GraphQLError[]; data: null }) => void) => {
    const { items, bytes } = operationCost(args);
    if (items > limits.maxCost) refuse({ errors: [limitError('cost', limits.maxCost, items)], data: null });
    // The same walk's byte figure: a response that may outgrow the cap is never built.
    else if (bytes > limits.maxResponseBytes) refuse({ errors: [limitError('responseBytes', limits.maxResponseBytes, bytes)], data: null });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}
