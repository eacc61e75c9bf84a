/**
 * What a shared cache in front of the API (Varnish, a CDN) may keep, and
 * for how long: the HTTP side of the edge (docs/scaling.md, "Reads at the
 * edge").
 *
 * An anonymous GET of a trusted document (./trusted-documents.ts) that
 * answers 200 without errors is public: `Cache-Control` with a short
 * `max-age` for browsers, a longer `s-maxage` for shared caches,
 * `stale-while-revalidate` and `stale-if-error`; an `ETag` (304 to
 * `If-None-Match`); and `Surrogate-Key` and `xkey` headers naming every
 * story, entry, person and place the answer read — what the response
 * cache's scope recorded (./cache-scope.ts) — so that a purge naming them
 * drops it (src/edge/). The readers' pages and feeds get the same headers
 * (src/site/router.ts).
 *
 * Everything else — a request with a token, a mutation, a subscription, a
 * POST, an answer with errors, an untrusted document — is
 * `private, no-store`: what an editor sees (drafts) is never kept by anyone.
 */
import { createHash } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import {
  ALL_KEY,
  MAX_KEYS_HEADER_BYTES,
  PEOPLE_KEY,
  PLACES_KEY,
  SEARCH_KEY,
  STORIES_KEY,
  entryKey,
  personKey,
  personNameKey,
  placeKey,
  placeNameKey,
  storyKey,
  storyMetaKey,
} from '../edge/keys.js';
import type { CacheScope } from '../cache-scope.js';

/** How long shared caches and browsers may keep public answers (EDGE_* settings), in seconds. */
export interface EdgeCacheSettings {
  /** Browsers (and caches that do not read s-maxage). */
  maxAge: number;
  /** Shared caches: purges, not this, make their answers fresh. */
  sMaxAge: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  /** A search may match any new entry and no purge names it: shared caches keep it this long at most. */
  searchMaxAge: number;
}

export const PRIVATE_NO_STORE = 'private, no-store';

/** The Cache-Control of a public answer. */
export function publicCacheControl(settings: EdgeCacheSettings, scope: CacheScope | null): string {
  const search = scope?.search ?? false;
  const sMaxAge = search ? Math.min(settings.sMaxAge, settings.searchMaxAge) : settings.sMaxAge;
  const maxAge = Math.min(settings.maxAge, sMaxAge);
  return `public, max-age=${maxAge}, s-maxage=${sMaxAge}, stale-while-revalidate=${settings.staleWhileRevalidate}, stale-if-error=${settings.staleIfError}`;
}

/**
 * The surrogate keys of an answer with this scope. Entries of a story whose
 * content the answer read are left out (every change to an entry is an
 * event of its story, which purges the story's key): a list page names its
 * stories, not their hundreds of entries. An answer that still needs more
 * than MAX_KEYS_HEADER_BYTES is named `all`, which every purge names.
 */
export function surrogateKeys(scope: CacheScope | null): string[] {
  if (!scope?.active) return [ALL_KEY];
  const keys: string[] = [];
  if (scope.everyEvent) keys.push(STORIES_KEY);
  if (scope.search) keys.push(SEARCH_KEY);
  if (scope.listsPeople) keys.push(PEOPLE_KEY);
  if (scope.listsPlaces) keys.push(PLACES_KEY);
  for (const id of scope.stories) keys.push(storyKey(id));
  for (const id of scope.storyMeta) if (!scope.stories.has(id)) keys.push(storyMetaKey(id));
  for (const [id, story] of scope.entries) if (!scope.stories.has(story)) keys.push(entryKey(id));
  for (const id of scope.people) keys.push(personKey(id));
  for (const id of scope.peopleShown) keys.push(personNameKey(id));
  for (const id of scope.places) keys.push(placeKey(id));
  for (const id of scope.placesShown) keys.push(placeNameKey(id));
  if (keys.length === 0) return [ALL_KEY];
  let bytes = keys.length - 1;
  for (const key of keys) bytes += key.length;
  return bytes > MAX_KEYS_HEADER_BYTES ? [ALL_KEY] : keys;
}

/** The headers of a public answer: Cache-Control and the keys, for Fastly (Surrogate-Key) and Varnish (xkey). */
export function publicHeaders(settings: EdgeCacheSettings, scope: CacheScope | null): Record<string, string> {
  const keys = surrogateKeys(scope).join(' ');
  return { 'cache-control': publicCacheControl(settings, scope), 'surrogate-key': keys, xkey: keys };
}

/** A strong validator for a body. */
export function etagOf(body: Uint8Array | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether If-None-Match names this ETag (weak comparison, as RFC 9110 asks for If-None-Match). */
export function matchesEtag(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}

/** Whether the client asks for an answer computed now (a shared cache refreshing after a purge sends no-cache). */
export function wantsFreshAnswer(cacheControl: string | null | undefined, pragma?: string | null): boolean {
  return /\bno-cache\b/i.test(cacheControl ?? '') || /\bno-cache\b/i.test(pragma ?? '');
}

/** In-process requests of the readers' pages (src/site/router.ts) receive the scope of their answer here. */
export interface EdgeScopeReceiver {
  scope: CacheScope | null;
}

export interface EdgeCacheOptions {
  settings: EdgeCacheSettings;
  /** Whether the request's document was a trusted one (./trusted-documents.ts). */
  isTrusted(request: Request): boolean;
  /** The scope of an answer served from the response cache. */
  cachedScope(request: Request): CacheScope | undefined;
}

interface Executed {
  query: boolean;
  scope: CacheScope | null;
  errors: boolean;
}

const GRAPHQL_RESULT = /^(application\/(graphql-response\+)?json|text\/event-stream|multipart\/mixed)/;

/** Sets Cache-Control, validators and surrogate keys on every GraphQL answer over HTTP. */
export function useEdgeCache(options: EdgeCacheOptions): Plugin<Context, { edge?: EdgeScopeReceiver }> {
  const executed = new WeakMap<Request, Executed>();
  return {
    onExecute({ args }) {
      const ctx = args.contextValue as Context & { request?: Request; edge?: EdgeScopeReceiver };
      // Only GETs may be public, and only the pages' own requests want their scope back: the rest owe nothing here.
      if (!ctx.request || (ctx.request.method !== 'GET' && !ctx.edge)) return undefined;
      const query = getOperationAST(args.document, args.operationName)?.operation === 'query';
      const record: Executed = { query, scope: ctx.cacheScope, errors: false };
      executed.set(ctx.request, record);
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result) && result.errors?.length) record.errors = true;
        },
      };
    },
    async onResponse({ request, response, serverContext, setResponse, fetchAPI }) {
      const cached = options.cachedScope(request);
      const run = executed.get(request);
      const scope = cached ?? run?.scope ?? null;
      if (serverContext.edge) serverContext.edge.scope = scope;
      if (!GRAPHQL_RESULT.test(response.headers.get('content-type') ?? '')) return;
      const shareable =
        request.method === 'GET' &&
        !request.headers.has('authorization') &&
        response.status === 200 &&
        options.isTrusted(request) &&
        (cached !== undefined || (run !== undefined && run.query && !run.errors)) &&
        scope?.active === true;
      if (!shareable) {
        response.headers.set('cache-control', PRIVATE_NO_STORE);
        return;
      }
      const body = new Uint8Array(await response.arrayBuffer());
      const etag = etagOf(body);
      const headers = new fetchAPI.Headers(response.headers);
      for (const [name, value] of Object.entries(publicHeaders(options.settings, scope))) headers.set(name, value);
      headers.set('etag', etag);
      // The answer's media type follows Accept (application/json or application/graphql-response+json).
      headers.set('vary', 'accept, accept-encoding');
      if (matchesEtag(request.headers.get('if-none-match'), etag)) {
        headers.delete('content-length');
        headers.delete('content-type');
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      setResponse(new fetchAPI.Response(body, { status: 200, headers }));
    },
  };
}
