/**
 * A response cache for public reads: the same anonymous query (text,
 * operation name, variables) within a short time gets the bytes of the
 * first answer, without parsing, validating or running a statement.
 *
 * Live blogs are read by many people at once and change in bursts. An
 * answer is dropped the moment something it may show has changed:
 *
 * - a story event is committed, on any instance (every instance LISTENs to
 *   the events channel and hears the NOTIFY of every story): the answers
 *   about that story go, and the answers that may span stories (lists of
 *   stories, people and places, search; see ./cache-scope.ts); the answers
 *   about other stories stay, so a newsroom publishing into one story does
 *   not leave every other story page uncached. Everything goes when LISTEN
 *   comes back after a drop (notifications may have been missed meanwhile);
 * - a mutation runs on this instance (catalog edits such as renaming a
 *   person append no story event): everything goes.
 *
 * Catalog edits made through another instance are the one change nothing
 * announces: they show once the entry's time to live (RESPONSE_CACHE_TTL_MS)
 * has passed. An answer is stored only if nothing was invalidated while it
 * was computed, so a response cannot outlive a change it did not see.
 * Requests with a token (editors see drafts) are never cached, nor are
 * answers with errors, mutations and subscriptions.
 *
 * A hit is answered at once, before parsing; except a hit on a query that
 * the rate limits count as expensive (src/plugins/rate-limits.ts, estimated in src/plugins/cost.ts), which is
 * answered only once it has gone through them (`afterRateLimits`, a second
 * plugin placed after them): the limit is per client, whatever the cache.
 */
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import type { Database } from '../db/client.js';
import { EVENTS_CHANNEL } from '../live/append-event.js';
import { type CacheScope, isStoryScoped } from './cache-scope.js';
import { isExpensive } from './cost.js';
import { inspectVariables } from '../input-guard.js';

export interface ResponseCacheOptions {
  /** How long an answer may be served; 0 turns the cache off. */
  ttlMs: number;
  /** Answers kept at most; the oldest goes first. */
  maxEntries?: number;
  /** Bytes of answers kept at most, all together; the oldest go first. */
  maxBytes?: number;
  /** A larger answer is not kept at all. */
  maxEntryBytes?: number;
  /** The thresholds of the expensive-query rate limit. */
  limits: Pick<Limits, 'rateLimitExpensive' | 'expensiveQueryItems'>;
}

interface Entry {
  result: ExecutionResult & { stringify: () => string };
  /** The answer as UTF-8, written as is when the client takes JSON. */
  bytes: Uint8Array<ArrayBuffer>;
  expiresAt: number;
  /** Counts against the expensive-query rate limit: answered after it, not before parsing. */
  expensive: boolean;
  /** The stories it depends on; null when it depends on everything (see ./cache-scope.ts). */
  stories: readonly number[] | null;
}

interface Pending {
  key: string;
  generation: number;
  cacheable: boolean;
  expensive: boolean;
  /** The operation's scope, when its answer depends on the stories recorded there only. */
  scope: CacheScope | null;
}

export interface ResponseCache {
  /** Goes first: answers hits and stores answers. */
  plugin: Plugin<Context>;
  /** Goes after the rate limits: answers the hits that count against them. */
  afterRateLimits: Plugin<Context>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Drops every answer. */
  invalidate(): void;
  /** Drops the answers that may depend on this story. */
  invalidateStory(storyId: number): void;
  stats(): { entries: number; bytes: number; hits: number; misses: number; invalidations: number };
}

const encoder = new TextEncoder();

/**
 * The variables the query text refers to: a variable sent but not used
 * cannot change the answer, and keying on it would let one query with a new
 * unused value per request fill the cache with copies of one answer.
 */
function usedVariables(query: string, variables: Record<string, unknown> | undefined): Record<string, unknown> {
  const used: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables ?? {})) if (new RegExp(`\\$${name.replace(/\W/g, '')}\\b`).test(query)) used[name] = value;
  return used;
}


export function createResponseCache(database: Database, options: ResponseCacheOptions): ResponseCache {
  const enabled = options.ttlMs > 0;
  const maxEntries = options.maxEntries ?? 1_000;
  // Bounded by bytes, not only by count: a thousand answers of a few MB each would be gigabytes.
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
  const entries = new Map<string, Entry>();
  let storedBytes = 0;
  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    storedBytes -= entry.bytes.byteLength;
    entries.delete(key);
  };
  /** Keys being computed, and what waits for them: identical misses run once (see onParams). */
  const inFlight = new Map<string, Promise<void>>();
  const pending = new WeakMap<Request, Pending & { done: () => void }>();
  const lateHits = new WeakMap<Request, Entry>();
  const served = new WeakMap<Request, Entry>();
  /** Batched requests carry several operations on one Request, which the maps above are keyed by: never cached. */
  const batched = new WeakSet<Request>();
  let generation = 0;
  let unlisten: (() => Promise<void>) | null = null;
  const counts = { hits: 0, misses: 0, invalidations: 0 };

  /** Generation of the last invalidation of everything, and of each story's. */
  let everythingAt = 0;
  const storyAt = new Map<number, number>();
  const invalidate = () => {
    generation++;
    everythingAt = generation;
    storyAt.clear();
    counts.invalidations++;
    entries.clear();
    storedBytes = 0;
  };
  const invalidateStory = (storyId: number) => {
    generation++;
    storyAt.set(storyId, generation);
    counts.invalidations++;
    for (const [key, entry] of entries) if (entry.stories === null || entry.stories.includes(storyId)) drop(key);
  };
  /** Whether an answer computed since `since` may be stored: nothing it depends on changed meanwhile. */
  const stillValid = (since: number, stories: readonly number[] | null) =>
    stories === null ? generation === since : everythingAt <= since && stories.every((id) => (storyAt.get(id) ?? 0) <= since);

  const serve = (request: Request, entry: Entry, setResult: (result: ExecutionResult) => void) => {
    counts.hits++;
    if (entry.expensive) {
      lateHits.set(request, entry);
      return;
    }
    served.set(request, entry);
    setResult(entry.result);
  };

  /** This request computes the key's answer; others asking meanwhile wait for it (or get the stale one). */
  const compute = (request: Request, key: string) => {
    let done!: () => void;
    const flight = new Promise<void>((resolve) => (done = resolve));
    inFlight.set(key, flight);
    counts.misses++;
    pending.set(request, {
      key,
      generation,
      cacheable: false,
      expensive: false,
      scope: null,
      done: () => {
        if (inFlight.get(key) === flight) inFlight.delete(key);
        done();
      },
    });
  };

  const finish = (request: Request) => {
    const waiting = pending.get(request);
    if (!waiting) return undefined;
    pending.delete(request);
    waiting.done();
    return waiting;
  };

  const plugin: Plugin<Context> = {
    onRequestParse({ request }) {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult)) batched.add(request);
        },
      };
    },
    async onParams({ request, params, setResult }) {
      if (!enabled || typeof params.query !== 'string' || request.headers.has('authorization') || batched.has(request)) return;
      // Refused by the input guard (which Yoga does not let stop the other onParams hooks): never stringified.
      if (inspectVariables(params.variables) !== null) return;
      const key = `${params.operationName ?? ''}\u0000${JSON.stringify(usedVariables(params.query, params.variables))}\u0000${params.query}`;
      let entry = entries.get(key);
      if (entry && entry.expiresAt > Date.now()) return serve(request, entry, setResult);
      if (entry) {
        // Expired (invalidation removes entries, expiry does not): one request refreshes it, the others
        // meanwhile get the answer that is a few milliseconds older than the refresh.
        if (inFlight.has(key)) return serve(request, entry, setResult);
        return compute(request, key);
      }
      const flight = inFlight.get(key);
      if (flight) {
        // The same query is being answered right now: wait for that answer rather than run it again.
        await flight;
        entry = entries.get(key);
        if (entry) return serve(request, entry, setResult);
      }
      return compute(request, key);
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (operation === 'mutation') {
        // Whatever it changed, answers computed before it ends may be stale.
        invalidate();
        return { onExecuteDone: () => invalidate() };
      }
      const waiting = request && pending.get(request);
      if (waiting && operation === 'query') {
        waiting.cacheable = true;
        waiting.expensive = options.limits.rateLimitExpensive > 0 && isExpensive(args, options.limits);
        waiting.scope = isStoryScoped(args.schema, args.document, args.operationName) ? (args.contextValue as Context).cacheScope : null;
      }
      return undefined;
    },
    onExecutionResult({ request, result }) {
      const waiting = finish(request);
      if (!waiting || !waiting.cacheable || !result || Symbol.asyncIterator in result) return;
      const stories = waiting.scope && waiting.scope.stories.size > 0 ? [...waiting.scope.stories] : null;
      if (!stillValid(waiting.generation, stories)) return;
      const single = result as ExecutionResult;
      if (single.errors?.length) return;
      // A cached answer runs no statement: say so where statements are reported.
      const extensions = single.extensions && 'sqlStatements' in single.extensions ? { ...single.extensions, sqlStatements: 0 } : single.extensions;
      const stored = extensions ? { ...single, extensions } : { ...single };
      const json = JSON.stringify(stored);
      const bytes = encoder.encode(json);
      drop(waiting.key);
      if (bytes.byteLength > maxEntryBytes) return;
      while (entries.size > 0 && (entries.size >= maxEntries || storedBytes + bytes.byteLength > maxBytes)) drop(entries.keys().next().value!);
      entries.set(waiting.key, { result: { ...stored, stringify: () => json }, bytes, expiresAt: Date.now() + options.ttlMs, expensive: waiting.expensive, stories });
      storedBytes += bytes.byteLength;
    },
    onResultProcess({ request, acceptableMediaTypes, setResultProcessor }) {
      const entry = served.get(request);
      const preferred = acceptableMediaTypes[0];
      if (!entry || (preferred !== 'application/json' && preferred !== 'application/graphql-response+json' && preferred !== '*/*')) return;
      // The bytes as they were stored: no serialising, no encoding of a large string per answer.
      const mediaType = preferred === '*/*' ? 'application/json' : preferred;
      setResultProcessor((_result, fetchAPI) => new fetchAPI.Response(entry.bytes, { status: 200, headers: { 'content-type': `${mediaType}; charset=utf-8` } }), mediaType);
    },
    // Whatever happened to the request (a parse error, an exception), nobody may wait for it for ever.
    onResponse({ request }) {
      finish(request);
    },
  };

  const afterRateLimits: Plugin<Context> = {
    onExecute({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      const entry = request && lateHits.get(request);
      if (entry) setResultAndStopExecution(entry.result);
    },
  };

  return {
    plugin,
    afterRateLimits,
    async start() {
      if (!enabled) return;
      // The payload is `storyId:seq` (src/live/append-event.ts).
      unlisten = await database.listen(EVENTS_CHANNEL, { onNotify: (payload) => invalidateStory(Number(payload.split(':')[0])), onListen: invalidate });
    },
    async stop() {
      await unlisten?.().catch(() => {});
      unlisten = null;
      entries.clear();
      storedBytes = 0;
    },
    invalidate,
    invalidateStory,
    stats: () => ({ entries: entries.size, bytes: storedBytes, ...counts }),
  };
}
