/**
 * The reader-facing pages: `/` (the stories), `/live/<slug>` (one story's
 * ticker), `/embed.js` and the assets they load. Pages get their data the
 * way any client does, with GraphQL through Yoga (in process, as an
 * anonymous reader), so visibility rules, limits and logs are the API's own.
 *
 * A story page has a size budget and is cached like an answer: its first
 * view is the newest PAGE_ENTRIES entries (older ones come on demand), its
 * JSON-LD covers the same entries and is its only copy of the structured
 * data, and the page as sent (gzipped or not) is kept in the response cache
 * and dropped by the story's next event (src/plugins/response-cache.ts), so
 * that many readers of a big story cost one rendering, not one each.
 *
 * Every answer also tells shared caches (Varnish, a CDN) what they may do
 * with it: public with the surrogate keys of what it read, for an anonymous
 * reader; never kept otherwise (src/plugins/edge-cache.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { encodeBody, sendBody } from '../transport/compression.js';
import { type CachedDocument, type DocumentCache } from '../plugins/response-cache.js';
import { decodeGlobalId } from '../global-id.js';
import { type CacheScope, newCacheScope } from '../cache-scope.js';
import { type EdgeCacheSettings, type EdgeScopeReceiver, PRIVATE_NO_STORE, etagOf, matchesEtag, publicHeaders, wantsFreshAnswer } from '../plugins/edge-cache.js';
import { requestIdFrom } from '../request-id.js';
import { IMMUTABLE_CACHE, asset, assetPaths, versionedPath } from './assets.js';
import { htmlDocument } from './document.js';
import { h } from './html.js';
import {
  FEED_ENTRIES,
  LIVE_FEED_ENTRIES_PER_STORY,
  LIVE_FEED_STORIES,
  type StoryListResult,
  type StoryPageResult,
  feedQuery,
  liveFeedQuery,
  pageState,
  storyListQuery,
  storyNinjsQuery,
  storyPageQuery,
} from './page-data.js';
import { type FeedEntry, type FeedImage, type FeedLinks, type FeedStory, atomFeed, feedUpdated, jsonFeed, mergeStoryEntries } from '../formats/feeds.js';
import { storyListView } from './views/story-list-view.js';
import { shellContent, tickerView } from './views/story-view.js';
import { clockFor, wordsFor } from './views/locale.js';

/**
 * What the pages need of Yoga: its fetch entry point. The reader's request
 * goes along as server context, so that the API sees who is asking (rate
 * limits, logs) exactly as if the reader had queried it.
 */
export interface GraphQLFetch {
  fetch(
    url: string,
    init: { method: 'POST'; headers: Record<string, string>; body: string },
    context: { req: IncomingMessage; edge: EdgeScopeReceiver },
  ): Promise<{ json(): Promise<unknown> }> | { json(): Promise<unknown> };
}

interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

// The server cannot know the reader's time zone: it writes UTC and says so; the script rewrites times in the reader's.
const utcTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
const serverTime = (iso: string) => utcTime.format(new Date(iso));

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/**
 * What shared caches may do with an answer: a page, feed or ninjs document
 * for an anonymous reader is public, with the surrogate keys of what it read
 * (src/plugins/edge-cache.ts); a request with a token, or an error, is never kept.
 */
function cachingHeaders(req: IncomingMessage, status: number, scope: CacheScope | null, settings: EdgeCacheSettings): Record<string, string> {
  if (status !== 200 || req.headers.authorization !== undefined || !scope) return { 'cache-control': PRIVATE_NO_STORE };
  return publicHeaders(settings, scope);
}

/**
 * Everything a page loads comes from here: its script, its stylesheet, its
 * API and WebSocket. The WebSocket origin is spelled out because older
 * browsers do not count ws: as 'self'.
 */
function contentSecurityPolicy(req: IncomingMessage, publicOrigin: string | null): string {
  // The configured host; else the one the browser used, which only lets the page connect back to where it came from.
  const host = publicOrigin ? new URL(publicOrigin).host : req.headers.host && HOST.test(req.headers.host) ? req.headers.host : null;
  const sockets = host ? ` ws://${host} wss://${host}` : '';
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'${sockets}; base-uri 'none'; form-action 'self'`;
}

/** /live/<slug>/feed.atom and /live/<slug>/feed.json */
const FEED_PATH = /^\/live\/([^/]+)\/feed\.(atom|json)$/;
/** /live/<slug>/ninjs.json: the story as IPTC ninjs 2.1. */
const NINJS_PATH = /^\/live\/([^/]+)\/ninjs\.json$/;
/** /feed.atom and /feed.json: every live story. */
const LIVE_FEED_PATH = /^\/feed\.(atom|json)$/;

class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Pages {
  handles(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface PagesOptions {
  graphql: GraphQLFetch;
  log: Logger;
  publicOrigin: string | null;
  /** Entries of a story page's first view and of each "older updates" load (PAGE_ENTRIES). */
  pageEntries: number;
  /** Where rendered story pages are kept (the response cache); absent, each view renders its page. */
  documents?: DocumentCache;
  /** What shared caches may keep, and for how long (EDGE_* settings). */
  edge: EdgeCacheSettings;
  /** Readers' streams are held by a GRIP proxy (GRIP_URL): the scripts follow stories over SSE. */
  heldStreams?: boolean;
}

export function createPages({ graphql, log, publicOrigin, pageEntries, documents, edge, heldStreams = false }: PagesOptions): Pages {
  /** What the answers of this request read, for its surrogate keys (one query per request). */
  const scopes = new WeakMap<IncomingMessage, CacheScope | null>();

  async function query<T>(req: IncomingMessage, requestId: string, document: string, variables: Record<string, unknown>): Promise<T> {
    const receiver: EdgeScopeReceiver = { scope: null };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-request-id': requestId };
    // A shared cache refreshing after a purge asks for an answer computed now, not the response cache's copy.
    if (wantsFresh(req)) headers['cache-control'] = 'no-cache';
    const response = await graphql.fetch('http://pages.local/graphql', { method: 'POST', headers, body: JSON.stringify({ query: document, variables }) }, { req, edge: receiver });
    scopes.set(req, receiver.scope);
    const result = (await response.json()) as GraphQLResult<T>;
    const error = result.errors?.[0];
    if (error) {
      const code = error.extensions?.code;
      if (code === 'NOT_FOUND') throw new PageError(404, 'There is no such story.');
      if (code === 'BAD_USER_INPUT') throw new PageError(400, 'That link is not valid any more.');
      if (code === 'RATE_LIMITED') throw new PageError(429, 'Too many requests: try again in a moment.');
      throw new Error(`GraphQL error: ${error.message}`);
    }
    if (!result.data) throw new Error('GraphQL returned no data');
    return result.data;
  }

  /** A story page and the story's number (what the page depends on). */
  async function storyPage(requestId: string, req: IncomingMessage, slug: string, after: string | null): Promise<{ html: string; storyId: number }> {
    const origin = publicOrigin;
    const pageUrl = origin ? `${origin}/live/${slug}` : null;
    // An older page (?after=) carries no JSON-LD: the story's structured data is the first view's, at its canonical URL.
    const { story } = await query<StoryPageResult>(req, requestId, storyPageQuery, { slug, first: pageEntries, after, url: pageUrl, withJsonLd: after === null });
    if (!story) throw new PageError(404, 'There is no such story.');
    const words = wordsFor(story.language);
    const view = { clock: clockFor(words, 'UTC'), now: Date.now, words, storyHref: `/live/${slug}`, embed: false, language: story.language };
    const page = htmlDocument({
      lang: words.locale,
      skipText: words.skipToContent,
      stylesheet: await versionedPath('/assets/ticker.css'),
      title: `${story.title} · Diretta`,
      description: story.summary,
      canonical: pageUrl,
      alternates: [
        { type: 'application/atom+xml', href: `/live/${slug}/feed.atom`, title: `${story.title} (Atom)` },
        { type: 'application/feed+json', href: `/live/${slug}/feed.json`, title: `${story.title} (JSON Feed)` },
      ],
      body: [tickerView(shellContent(story), view)],
      jsonLd: story.liveBlogPosting,
      // The script reads the entries' places from here and their text from the page itself.
      data: pageState(story, after === null, pageEntries),
      script: await versionedPath('/assets/live-page.js', heldStreams),
      skipTo: 'diretta-feed',
    });
    return { html: page, storyId: Number(decodeGlobalId(story.id, 'id').id) };
  }

  /** Story pages being rendered now, by cache key: readers asking for one meanwhile wait for it rather than render it again. */
  const rendering = new Map<string, Promise<CachedDocument>>();

  /**
   * A story page as sent, from the cache when it is there: keyed by slug, cursor and encoding, and
   * depending on what its query read (any event of the story drops it; a catalog change drops
   * everything). The document keeps its validator and its shared-cache headers with it. A shared
   * cache refreshing after a purge (`no-cache`) gets a page rendered now, which then replaces the copy.
   */
  async function cachedStoryPage(req: IncomingMessage, requestId: string, slug: string, after: string | null): Promise<CachedDocument> {
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const key = `story-page\u0000${slug}\u0000${after ?? ''}\u0000${gzip ? 'gzip' : 'identity'}`;
    const fresh = wantsFresh(req);
    const cached = fresh ? undefined : documents?.get(key);
    if (cached) return cached;
    let pending = fresh ? undefined : rendering.get(key);
    if (!pending) {
      pending = (async () => {
        const since = documents?.generation() ?? 0;
        const { html, storyId } = await storyPage(requestId, req, slug, after);
        const raw = Buffer.from(html, 'utf8');
        const { body, encoding } = await encodeBody(req, raw);
        let scope = scopes.get(req) ?? null;
        if (!scope) {
          scope = newCacheScope(true);
          scope.stories.add(storyId);
          scope.storyMeta.add(storyId);
        }
        const document: CachedDocument = {
          body,
          // What a shared cache may do with it (public, with its keys), and a validator: the same for every anonymous reader.
          headers: { ...publicHeaders(edge, scope), etag: etagOf(raw), ...(encoding ? { 'content-encoding': encoding } : {}) },
        };
        documents?.put(key, since, scope, document);
        return document;
      })();
      if (!fresh) {
        rendering.set(key, pending);
        void pending.catch(() => {}).finally(() => rendering.delete(key));
      }
    }
    return pending;
  }

  /** A story's Atom or JSON feed. */
  async function storyFeed(req: IncomingMessage, res: ServerResponse, requestId: string, slug: string, format: 'atom' | 'json') {
    const { story } = await query<{ story: (FeedStory & { entries: { edges: { node: FeedEntry }[] } }) | null }>(req, requestId, feedQuery, { slug, first: FEED_ENTRIES });
    if (!story) throw new PageError(404, 'There is no such story.');
    const origin = publicOrigin ?? '';
    const links = { page: `${origin}/live/${slug}`, self: `${origin}/live/${slug}/feed.${format}` };
    await sendFeed(req, res, format, story, story.entries.edges.map((e) => e.node), links);
  }

  /** The newest entries of every live story, as one feed. */
  async function liveFeed(req: IncomingMessage, res: ServerResponse, requestId: string, format: 'atom' | 'json') {
    type Result = { stories: { edges: { node: { slug: string; updatedAt: string; image: FeedImage | null; entries: { edges: { node: FeedEntry }[] } } }[] } };
    const { stories } = await query<Result>(req, requestId, liveFeedQuery, { stories: LIVE_FEED_STORIES, first: LIVE_FEED_ENTRIES_PER_STORY });
    const origin = publicOrigin ?? '';
    const live = stories.edges.map((e) => ({ slug: e.node.slug, image: e.node.image, entries: e.node.entries.edges.map((x) => x.node) }));
    const entries = mergeStoryEntries(live, (slug) => `${origin}/live/${slug}`, FEED_ENTRIES);
    const feed: FeedStory = {
      feedId: 'urn:diretta:live',
      slug: 'live',
      title: 'Live stories · Diretta',
      summary: 'The newest entries of every story being covered live.',
      language: '',
      // An empty feed still needs an updated time: the newest story's, else the epoch.
      updatedAt: stories.edges.reduce((latest, e) => (e.node.updatedAt > latest ? e.node.updatedAt : latest), new Date(0).toISOString()),
    };
    await sendFeed(req, res, format, feed, entries, { page: `${origin}/`, self: `${origin}/feed.${format}` });
  }

  /** A story as IPTC ninjs 2.1, the document `Story.ninjs` gives. */
  async function storyNinjs(req: IncomingMessage, res: ServerResponse, requestId: string, slug: string) {
    const { story } = await query<{ story: { ninjs: { versioncreated: string } } | null }>(req, requestId, storyNinjsQuery, { slug });
    if (!story) throw new PageError(404, 'There is no such story.');
    await sendDocument(req, res, 'application/json; charset=utf-8', JSON.stringify(story.ninjs), story.ninjs.versioncreated);
  }

  /**
   * A feed with validators: a feed reader polls, and mostly hears 304. Without PUBLIC_URL the links are
   * relative: Atom resolves them against the feed's URL, JSON has no base, so a JSON Feed then has none.
   */
  async function sendFeed(req: IncomingMessage, res: ServerResponse, format: 'atom' | 'json', story: FeedStory, entries: FeedEntry[], links: FeedLinks) {
    const text = format === 'atom' ? atomFeed(story, entries, links) : JSON.stringify(jsonFeed(story, entries, publicOrigin ? links : null));
    const contentType = format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/feed+json; charset=utf-8';
    await sendDocument(req, res, contentType, text, feedUpdated(story, entries));
  }

  /** A document with an ETag and a Last-Modified, answering If-None-Match and If-Modified-Since with 304. */
  async function sendDocument(req: IncomingMessage, res: ServerResponse, contentType: string, text: string, updatedAt: string) {
    const etag = etagOf(text);
    const lastModified = new Date(updatedAt).toUTCString();
    const headers = {
      'content-type': contentType,
      etag,
      'last-modified': lastModified,
      ...cachingHeaders(req, 200, scopes.get(req) ?? null, edge),
      'x-content-type-options': 'nosniff',
    };
    const since = req.headers['if-modified-since'];
    const fresh = req.headers['if-none-match'] !== undefined ? matchesEtag(req.headers['if-none-match'], etag) : since !== undefined && Date.parse(since) >= Date.parse(lastModified);
    await sendBody(req, res, Buffer.from(text, 'utf8'), headers, { fresh });
  }

  async function storyList(req: IncomingMessage, requestId: string) {
    const { stories } = await query<StoryListResult>(req, requestId, storyListQuery, {});
    return htmlDocument({
      stylesheet: await versionedPath('/assets/ticker.css'),
      title: 'Diretta · live blogs',
      alternates: [
        { type: 'application/atom+xml', href: '/feed.atom', title: 'Live stories (Atom)' },
        { type: 'application/feed+json', href: '/feed.json', title: 'Live stories (JSON Feed)' },
      ],
      body: [storyListView(stories.edges.map((e) => e.node), serverTime)],
      skipTo: 'main',
    });
  }

  function errorPage(status: number, message: string) {
    return htmlDocument({
      title: `${status} · Diretta`,
      body: [h('main', { id: 'main', class: 'error-page' }, h('h1', {}, message), h('p', {}, h('a', { href: '/' }, 'All stories')))],
      skipTo: 'main',
    });
  }

  return {
    handles(req) {
      const path = pathOf(req);
      return path === '/' || path.startsWith('/live/') || LIVE_FEED_PATH.test(path) || assetPaths.has(path);
    },

    async serve(req, res) {
      const given = req.headers['x-request-id'];
      const requestId = requestIdFrom(given);
      res.setHeader('x-request-id', requestId);
      const head = req.method === 'HEAD';
      if (req.method !== 'GET' && !head) {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('Method not allowed\n');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://pages.local');
      try {
        const file = asset(url.pathname, heldStreams);
        if (file) {
          const loaded = await file;
          // A versioned URL (what pages link) never changes content; the bare path (embed.js, which other sites link) is revalidated.
          const cacheControl = url.searchParams.get('v') === loaded.version ? IMMUTABLE_CACHE : 'no-cache';
          const headers = { 'content-type': loaded.contentType, etag: loaded.etag, 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' };
          await sendBody(req, res, loaded.body, headers, { fresh: req.headers['if-none-match'] === loaded.etag, memo: loaded });
          return;
        }
        const everyLive = LIVE_FEED_PATH.exec(url.pathname);
        if (everyLive) {
          await liveFeed(req, res, requestId, everyLive[1] as 'atom' | 'json');
          return;
        }
        const ninjs = NINJS_PATH.exec(url.pathname);
        if (ninjs) {
          if (!SLUG.test(ninjs[1]!) || ninjs[1]!.length > 120) throw new PageError(404, 'There is no such story.');
          await storyNinjs(req, res, requestId, ninjs[1]!);
          return;
        }
        const feed = FEED_PATH.exec(url.pathname);
        if (feed) {
          if (!SLUG.test(feed[1]!) || feed[1]!.length > 120) throw new PageError(404, 'There is no such story.');
          await storyFeed(req, res, requestId, feed[1]!, feed[2] as 'atom' | 'json');
          return;
        }
        if (url.pathname === '/') {
          const page = await storyList(req, requestId);
          await send(req, res, 200, html(page), head, publicOrigin, cachingHeaders(req, 200, scopes.get(req) ?? null, edge));
        } else {
          const slug = url.pathname.slice('/live/'.length);
          if (!SLUG.test(slug) || slug.length > 120) throw new PageError(404, 'There is no such story.');
          await send(req, res, 200, await cachedStoryPage(req, requestId, slug, url.searchParams.get('after')), head, publicOrigin);
        }
      } catch (error) {
        const uncached = { 'cache-control': PRIVATE_NO_STORE };
        if (error instanceof PageError) {
          await send(req, res, error.status, html(errorPage(error.status, error.message)), head, publicOrigin, uncached);
          return;
        }
        log.error({ err: error, requestId, url: req.url }, 'page failed');
        await send(req, res, 500, html(errorPage(500, `Something went wrong (request ${requestId}).`)), head, publicOrigin, uncached);
      }
    },
  };
}

function pathOf(req: IncomingMessage): string {
  const raw = req.url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

/** A page still to encode, or a page as sent (from the cache, with its caching headers and validator). */
type PageBody = { html: string } | CachedDocument;

const html = (text: string): PageBody => ({ html: text });

/** Whether the client asks for an answer computed now (a shared cache refreshing after a purge sends no-cache). */
function wantsFresh(req: IncomingMessage): boolean {
  return wantsFreshAnswer(req.headers['cache-control'], typeof req.headers.pragma === 'string' ? req.headers.pragma : null);
}

/**
 * Sends a page. `caching` is what shared caches may do with a page rendered for this request; a cached
 * page brings its own. A request with a token may be shown the anonymous page, but it is never a page
 * a shared cache may keep.
 */
async function send(req: IncomingMessage, res: ServerResponse, status: number, page: PageBody, head: boolean, publicOrigin: string | null, caching: Record<string, string> = {}) {
  const { body, headers } = 'html' in page ? await rendered(req, status, page.html, caching) : page;
  const { 'surrogate-key': _keys, xkey: _xkey, ...unshared } = headers;
  const own = req.headers.authorization !== undefined ? { ...unshared, 'cache-control': PRIVATE_NO_STORE } : headers;
  const out: Record<string, string | number> = {
    ...PAGE_HEADERS,
    // Per request: without PUBLIC_URL it names the host the browser used.
    'content-security-policy': contentSecurityPolicy(req, publicOrigin),
    vary: 'accept-encoding',
    ...own,
  };
  // A shared cache refreshing after a soft purge hears 304 when nothing it shows changed.
  if (status === 200 && own.etag && matchesEtag(req.headers['if-none-match'], own.etag)) {
    delete out['content-encoding'];
    res.writeHead(304, out);
    res.end();
    return;
  }
  res.writeHead(status, { ...out, 'content-length': body.length });
  res.end(head ? undefined : body);
}

/** A page encoded for this request, with its caching headers and, when it is a 200, its validator. */
async function rendered(req: IncomingMessage, status: number, text: string, caching: Record<string, string>): Promise<CachedDocument> {
  const raw = Buffer.from(text, 'utf8');
  const { body, encoding } = await encodeBody(req, raw);
  return { body, headers: { ...caching, ...(status === 200 ? { etag: etagOf(raw) } : {}), ...(encoding ? { 'content-encoding': encoding } : {}) } };
}
