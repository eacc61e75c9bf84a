/**
 * A response cache for public reads: the same anonymous query (text,
 * operation name, variables) within a short time gets the bytes of the
 * first answer, without parsing, validating or running a statement.
 *
 * Live blogs are read by many people at once and change all the time, so
 * an answer is dropped the moment something it shows has changed, and only
 * then: while it is computed, its resolvers record what it depends on (the
 * stories, entries, people and places it reads, see ./cache-scope.ts), and
 *
 * - a story event committed on any instance drops the answers that depend
 *   on what the event touched: its story's pages, answers showing its entry,
 *   the pages listing the quotes or mentions of the people and places it
 *   names (every instance LISTENs to the events channel; the NOTIFY payload
 *   names them). A page about another story, or a person the event does not
 *   name, stays. Searches also expire after RESPONSE_CACHE_SEARCH_TTL_MS,
 *   since any new entry may match;
 * - a catalog change (a person or place created or edited, on any instance:
 *   the catalog channel), LISTEN coming back after a drop (notifications may
 *   have been missed), or a mutation on this instance that announces
 *   nothing (a story's title edited): everything goes.
 *
 * Freshness: before the live bus hands an event to this instance's
 * subscribers it tells the cache (eventDispatched), which has then already
 * dropped what the event touched — or, when the bus loaded an event whose
 * NOTIFY has not arrived yet, drops conservatively. So once an instance has
 * delivered an event, no read on it answers with data older than the event.
 * A mutation's response waits until this instance has heard the NOTIFYs it
 * caused (a barrier NOTIFY sent after it commits arrives after them), so an
 * anonymous read after an edit on the same instance sees the edit.
 *
 * A request with `Cache-Control: no-cache` (what Varnish sends when it
 * refreshes an answer a purge dropped: deploy/varnish/diretta.vcl) is
 * computed afresh, and its answer replaces the stored one: this instance
 * may not have heard yet of the event the purge was for.
 *
 * An answer is stored only if nothing it depends on was invalidated while
 * it was computed. Requests with a token (editors see drafts) are never
 * cached, nor are answers with errors, mutations and subscriptions.
 *
 * A hit is answered at once, before parsing; except a hit on a query that
 * the rate limits count as expensive (src/plugins/rate-limits.ts, estimated in src/plugins/cost.ts), which is
 * answered only once it has gone through them (`afterRateLimits`, a second
 * plugin placed after them): the limit is per client, whatever the cache.
 *
 * Documents built from anonymous reads (a story's page, src/site/router.ts)
 * are kept here too, beside the answers, under the same rules: the same
 * memory budget and entry limit, the same time to live, and dropped by the
 * same events — a document declares what it depends on (a CacheScope) when
 * it is stored, and is stored only if nothing of it changed while it was
 * built. A page view answered from here costs what a cached answer does.
 *
 * Why not @graphql-yoga/plugin-response-cache: its entity tags come from
 * the ids and typenames in the result, so a page that does not select `id`
 * (ours mostly do not) or a list that gains a member (a new quote on a
 * person's page) escapes them; here resolvers record what they read. It
 * also stores parsed results and serialises each hit again, and runs
 * identical misses in parallel; this one keeps the bytes and runs a miss once.
 */
import { type ExecutionResult, Kind, getOperationAST } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import type { Database } from '../db/client.js';
import type { HttpRequestObserver } from './request-metrics.js';
import { EVENTS_CHANNEL } from '../live/append-event.js';
import type { LiveEvent } from '../live/load-events.js';
import { CATALOG_CHANNEL } from '../loaders/catalog-matcher.js';
import type { CacheScope } from '../cache-scope.js';
import { type EventTouch, parseEventPayload, touches } from './cache-scope.js';
import { isExpensive } from './cost.js';
import { wantsFreshAnswer } from './edge-cache.js';
import { inspectVariables } from '../input-guard.js';

export interface ResponseCacheOptions {
  /** How long an answer may be served; 0 turns the cache off. */
  ttlMs: number;
  /** How long a search may be served (new entries may match it): at most ttlMs. */
  searchTtlMs?: number;
  /** Answers kept at most; the oldest goes first. */
  maxEntries?: number;
  /** Bytes of answers kept at most, all together; the oldest go first. */
  maxBytes?: number;
  /** A larger answer is not kept at all. */
  maxEntryBytes?: number;
  /** The thresholds of the expensive-query rate limit. */
  limits: Pick<Limits, 'rateLimitExpensive' | 'expensiveQueryItems'>;
  /**
   * Told when each HTTP request's parameters are read and when its result comes, with metrics on
   * (src/plugins/request-metrics.ts): these hooks run for every request, and a hit is timed here at no more cost.
   */
  requests?: HttpRequestObserver | null;
}

interface Entry {
  kind: 'answer';
  result: ExecutionResult & { stringify: () => string };
  /** The answer as UTF-8, written as is when the client takes JSON. */
  bytes: Uint8Array<ArrayBuffer>;
  expiresAt: number;
  /** Counts against the expensive-query rate limit: answered after it, not before parsing. */
  expensive: boolean;
  /** What it depends on (see ./cache-scope.ts). */
  scope: CacheScope;
}

/** A document built from anonymous reads (a rendered page), as it is sent: its bytes and the headers that describe them. */
export interface CachedDocument {
  body: Buffer;
  /** Headers that belong to these bytes (Content-Type, Content-Encoding); per-request ones are added when it is sent. */
  headers: Record<string, string>;
}

interface DocumentEntry {
  kind: 'document';
  document: CachedDocument;
  bytes: Uint8Array;
  expiresAt: number;
  scope: CacheScope;
}

/** Documents kept beside the answers (see the header of this file). */
export interface DocumentCache {
  /** The document stored under `key`, while nothing it depends on has changed and its time to live lasts. */
  get(key: string): CachedDocument | undefined;
  /** Where invalidation stands: read it before reading what a document is built from, and hand it to put. */
  generation(): number;
  /** Keeps the document unless something in `scope` changed since `since`, or it is larger than RESPONSE_CACHE_MAX_ENTRY_BYTES; says whether it did. */
  put(key: string, since: number, scope: CacheScope, document: CachedDocument): boolean;
}

/** Document keys cannot meet answer keys (`operationName\u0000…`): an operation name has no control characters. */
const DOCUMENT_KEY = '\u0001';

interface Pending {
  key: string;
  generation: number;
  cacheable: boolean;
  expensive: boolean;
  /** What the answer depends on, as its resolvers recorded it. */
  scope: CacheScope | null;
}

/** Mutations whose every change appends a story event or announces a catalog change: they need no invalidation of their own. */
const ANNOUNCED_MUTATIONS = new Set([
  'createEntry',
  'updateEntry',
  'publishEntry',
  'retractEntry',
  'pinEntry',
  'unpinEntry',
  'setKeyEvent',
  'createQuote',
  'updateQuote',
  'linkMention',
  'unlinkMention',
  'setStoryStatus',
  'updateStory',
  'createPerson',
  'updatePerson',
  'createPlace',
  'updatePlace',
  'mergePeople',
  'mergePlaces',
]);

/** Sent after an announced mutation: its arrival means the mutation's own NOTIFYs have arrived. */
const BARRIER_CHANNEL = 'diretta_cache_barrier';

export interface ResponseCache {
  /** Goes first: answers hits and stores answers. */
  plugin: Plugin<Context>;
  /** Goes after the rate limits: answers the hits that count against them. */
  afterRateLimits: Plugin<Context>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Drops every answer. */
  invalidate(): void;
  /** Drops the answers that may depend on this story (an event whose details are unknown). */
  invalidateStory(storyId: number): void;
  /** Drops the answers an event touched. */
  invalidateEvent(touch: EventTouch): void;
  /** Rendered pages, kept and dropped like answers. */
  documents: DocumentCache;
  /** The live bus is about to deliver this event: nothing older than it may be answered from now on. */
  eventDispatched(event: LiveEvent): void;
  /** What the answer served to this request from the cache depends on (undefined when it was not served from it). */
  scopeOf(request: Request): CacheScope | undefined;
  stats(): { entries: number; bytes: number; hits: number; misses: number; invalidations: number; stores: number; evictions: number; documentHits: number; documentMisses: number };
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
  const requests = options.requests ?? null;
  const maxEntries = options.maxEntries ?? 1_000;
  // Bounded by bytes, not only by count: a thousand answers of a few MB each would be gigabytes.
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
  const searchTtlMs = options.searchTtlMs ?? 2_000;
  const entries = new Map<string, Entry | DocumentEntry>();
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
  const counts = { hits: 0, misses: 0, invalidations: 0, stores: 0, evictions: 0, documentHits: 0, documentMisses: 0 };

  /**
   * Invalidations since recent generations, to check an answer computed meanwhile against (stillValid):
   * null for "everything". Bounded: an answer that started before the oldest kept is not stored.
   */
  const recent: { generation: number; touch: EventTouch | null }[] = [];
  const RECENT = 1_024;
  const remember = (touch: EventTouch | null) => {
    generation++;
    counts.invalidations++;
    recent.push({ generation, touch });
    if (recent.length > RECENT) recent.shift();
  };
  const invalidate = () => {
    remember(null);
    entries.clear();
    storedBytes = 0;
  };
  /** The last event seq of each story whose NOTIFY this instance has heard. */
  const notified = new Map<number, number>();
  const invalidateEvent = (touch: EventTouch) => {
    remember(touch);
    for (const [key, entry] of entries) if (touches(entry.scope, touch)) drop(key);
  };
  const invalidateStory = (storyId: number) => invalidateEvent({ storyId, seq: Number.NaN, entryId: null, people: [], places: [], detailed: false });
  const onEventNotify = (payload: string) => {
    const touch = parseEventPayload(payload);
    if (!touch) return invalidate();
    if (touch.seq > (notified.get(touch.storyId) ?? 0)) notified.set(touch.storyId, touch.seq);
    invalidateEvent(touch);
  };
  const eventDispatched = (event: LiveEvent) => {
    // Its NOTIFY came first (the usual case): what it touched is gone already.
    if (event.row.seq <= (notified.get(event.row.storyId) ?? 0)) return;
    // The bus loaded it in a batch before its NOTIFY arrived: drop without knowing the quotes' speakers.
    invalidateEvent({ storyId: event.row.storyId, seq: event.row.seq, entryId: event.row.entryId, people: [], places: [], detailed: false });
  };
  /** Whether an answer computed since `since` may be stored: nothing it depends on changed meanwhile. */
  const stillValid = (since: number, scope: CacheScope) => {
    if (since === generation) return true;
    if (!recent[0] || recent[0].generation > since + 1) return false;
    for (let i = recent.length - 1; i >= 0 && recent[i]!.generation > since; i--) {
      const { touch } = recent[i]!;
      if (touch === null || touches(scope, touch)) return false;
    }
    return true;
  };
  /** Barrier NOTIFYs sent and not yet heard back, by token. */
  const barriers = new Map<string, () => void>();
  let barrierCount = 0;
  /**
   * Resolves once this instance has heard a NOTIFY sent now: PostgreSQL delivers notifications in commit
   * order, so every NOTIFY committed before it (the mutation's events) has been heard, and handled, by then.
   * Waits a second at most: a lost LISTEN connection drops everything when it comes back anyway.
   */
  const barrier = async () => {
    if (!unlisten) return;
    const token = `${process.pid}:${++barrierCount}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<void>((resolve) => {
      barriers.set(token, resolve);
      timer = setTimeout(resolve, 1_000);
    });
    try {
      await database.notify(BARRIER_CHANNEL, token);
      await heard;
    } catch {
      // The database went away after the mutation committed: its answer matters more than the barrier.
    } finally {
      clearTimeout(timer);
      barriers.delete(token);
    }
  };

  /** Serves a stored answer: true when now, false when after the rate limits (an expensive query's). */
  const serve = (request: Request, entry: Entry, setResult: (result: ExecutionResult) => void): boolean => {
    counts.hits++;
    if (entry.expensive) {
      lateHits.set(request, entry);
      return false;
    }
    served.set(request, entry);
    setResult(entry.result);
    return true;
  };

  /** This request computes the key's answer; others asking meanwhile wait for it (or get the stale one). */
  const compute = (request: Request, key: string): false => {
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
    return false;
  };

  const finish = (request: Request) => {
    const waiting = pending.get(request);
    if (!waiting) return undefined;
    pending.delete(request);
    waiting.done();
    return waiting;
  };

  /**
   * Answers from the cache if it can: true when it did, now. Otherwise the request goes on (to compute the
   * answer, wait for another request computing it, or answer after the rate limits): false. A promise only
   * when it waits for an identical request in flight.
   */
  const answer = (request: Request, params: GraphQLParams, setResult: (result: ExecutionResult) => void): boolean | Promise<boolean> => {
    if (!enabled || typeof params.query !== 'string' || request.headers.has('authorization') || batched.has(request)) return false;
    // Refused by the input guard (which Yoga does not let stop the other onParams hooks): never stringified.
    if (inspectVariables(params.variables) !== null) return false;
    const key = `${params.operationName ?? ''}\u0000${JSON.stringify(usedVariables(params.query, params.variables))}\u0000${params.query}`;
    // A shared cache refreshing after a purge asks for an answer computed now (`Cache-Control: no-cache`):
    // this instance may not have heard the event's NOTIFY yet, and what it keeps may be what was purged.
    if (wantsFreshAnswer(request.headers.get('cache-control'), request.headers.get('pragma'))) return compute(request, key);
    const stored = entries.get(key);
    const entry = stored?.kind === 'answer' ? stored : undefined;
    if (entry && entry.expiresAt > Date.now()) return serve(request, entry, setResult);
    if (entry) {
      // Expired (invalidation removes entries, expiry does not): one request refreshes it, the others
      // meanwhile get the answer that is a few milliseconds older than the refresh.
      if (inFlight.has(key)) return serve(request, entry, setResult);
      return compute(request, key);
    }
    const flight = inFlight.get(key);
    // The same query is being answered right now: wait for that answer rather than run it again.
    if (flight) return flight.then(() => {
      const answered = entries.get(key);
      return answered?.kind === 'answer' ? serve(request, answered, setResult) : compute(request, key);
    });
    return compute(request, key);
  };

  /** Tells the metrics (when on) whether the request was answered from the cache now or goes on. */
  const report = (request: Request, params: GraphQLParams, started: number, answered: boolean): void => {
    if (!requests) return;
    if (answered) requests.cached(params, started);
    else requests.started(request, params, started);
  };

  const plugin: Plugin<Context> = {
    onRequestParse({ request }) {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult)) batched.add(request);
        },
      };
    },
    onParams({ request, params, setResult }) {
      const started = requests ? performance.now() : 0;
      const answered = answer(request, params, setResult);
      // No closure on the usual, synchronous path: this hook runs for every request.
      if (typeof answered === 'boolean') return report(request, params, started, answered);
      return answered.then((now) => report(request, params, started, now));
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const operationNode = getOperationAST(args.document, args.operationName);
      const operation = operationNode?.operation;
      if (operation === 'mutation') {
        if (!enabled) return undefined;
        const announced = operationNode!.selectionSet.selections.every((s) => s.kind === Kind.FIELD && (ANNOUNCED_MUTATIONS.has(s.name.value) || s.name.value === '__typename'));
        // A change nothing announces (a story's title): whatever it changed, answers computed before it ends may be stale.
        if (!announced) {
          invalidate();
          return { onExecuteDone: () => invalidate() };
        }
        // Its events' NOTIFYs drop what it changed; answer once this instance has heard them.
        return { onExecuteDone: () => barrier() };
      }
      const waiting = request && pending.get(request);
      if (waiting && operation === 'query') {
        waiting.cacheable = true;
        waiting.expensive = options.limits.rateLimitExpensive > 0 && isExpensive(args, options.limits);
        waiting.scope = (args.contextValue as Context).cacheScope;
      }
      return undefined;
    },
    onExecutionResult({ request, result }) {
      requests?.finished(request, result);
      const waiting = finish(request);
      if (!waiting || !waiting.cacheable || !result || Symbol.asyncIterator in result) return;
      const scope = waiting.scope;
      if (!scope?.active || !stillValid(waiting.generation, scope)) return;
      const single = result as ExecutionResult;
      if (single.errors?.length) return;
      // A cached answer runs no statement: say so where statements are reported.
      const extensions = single.extensions && 'sqlStatements' in single.extensions ? { ...single.extensions, sqlStatements: 0 } : single.extensions;
      const stored = extensions ? { ...single, extensions } : { ...single };
      const json = JSON.stringify(stored);
      const bytes = encoder.encode(json);
      drop(waiting.key);
      if (bytes.byteLength > maxEntryBytes) return;
      makeRoom(bytes.byteLength);
      const ttl = scope.search ? Math.min(searchTtlMs, options.ttlMs) : options.ttlMs;
      entries.set(waiting.key, { kind: 'answer', result: { ...stored, stringify: () => json }, bytes, expiresAt: Date.now() + ttl, expensive: waiting.expensive, scope });
      storedBytes += bytes.byteLength;
      counts.stores++;
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

  /** Makes room for `bytes` more, oldest first. */
  const makeRoom = (bytes: number) => {
    while (entries.size > 0 && (entries.size >= maxEntries || storedBytes + bytes > maxBytes)) {
      drop(entries.keys().next().value!);
      counts.evictions++;
    }
  };

  const documents: DocumentCache = {
    get(key) {
      const stored = enabled ? entries.get(DOCUMENT_KEY + key) : undefined;
      if (stored?.kind === 'document' && stored.expiresAt > Date.now()) {
        counts.documentHits++;
        return stored.document;
      }
      counts.documentMisses++;
      return undefined;
    },
    generation: () => generation,
    put(key, since, scope, document) {
      if (!enabled || !stillValid(since, scope)) return false;
      const full = DOCUMENT_KEY + key;
      drop(full);
      const bytes = document.body;
      if (bytes.byteLength > maxEntryBytes) return false;
      makeRoom(bytes.byteLength);
      entries.set(full, { kind: 'document', document, bytes, expiresAt: Date.now() + options.ttlMs, scope });
      storedBytes += bytes.byteLength;
      counts.stores++;
      return true;
    },
  };

  return {
    plugin,
    afterRateLimits,
    documents,
    async start() {
      if (!enabled) return;
      // The payload is `storyId:seq:entry:people:places:speakers` (src/live/append-event.ts).
      const stops = [
        await database.listen(EVENTS_CHANNEL, { onNotify: onEventNotify, onListen: invalidate }),
        await database.listen(CATALOG_CHANNEL, { onNotify: invalidate, onListen: invalidate }),
        await database.listen(BARRIER_CHANNEL, { onNotify: (token) => barriers.get(token)?.(), onListen: () => {} }),
      ];
      unlisten = async () => {
        await Promise.all(stops.map((stop) => stop().catch(() => {})));
      };
    },
    async stop() {
      await unlisten?.().catch(() => {});
      unlisten = null;
      for (const release of barriers.values()) release();
      entries.clear();
      storedBytes = 0;
    },
    invalidate,
    invalidateStory,
    invalidateEvent,
    eventDispatched,
    scopeOf: (request) => (served.get(request) ?? lateHits.get(request))?.scope,
    stats: () => ({ entries: entries.size, bytes: storedBytes, ...counts }),
  };
}
