/**
 * A real Varnish (Debian's varnish with varnish-modules, configured by
 * deploy/varnish/diretta.vcl, started by scripts/edge/varnish.ts on a
 * private port and directory) in front of a real API whose purge outbox
 * drains to it: pages are served from the cache; a publish makes the next
 * read fresh once the outbox has drained; a takedown removes the entry from
 * every cached page and feed; no answer to a token is ever stored or served
 * to anyone else. Skips, saying why, where Varnish is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPurgeOutbox } from '../src/edge/drainer.js';
import { demoStory } from '../src/seed/demo-story.js';
import { ENTRIES_PER_LOAD, storyPageQuery } from '../src/site/page-data.js';
import { freePort } from '../scripts/edge/processes.js';
import { type RunningVarnish, startVarnish, varnishUnavailable } from '../scripts/edge/varnish.js';
import { componentTestsRunHere } from './helpers/database.js';
import { persistedUrl, publishEntry, storyId } from './helpers/edge.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { until } from './helpers/webhook-receiver.js';

const unavailable = varnishUnavailable();
const slug = demoStory.slug;

describe.skipIf(unavailable !== null || !componentTestsRunHere)(`the edge: Varnish in front of the API${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let server: TestServer;
  let varnish: RunningVarnish;
  let story: string;
  let admin: string;
  let editor: string;

  beforeAll(async () => {
    const port = await freePort();
    server = await startTestServer({ VARNISH_PURGE_URL: `http://127.0.0.1:${port}/`, EDGE_PURGE_POLL_INTERVAL_MS: '50', EDGE_PURGE_BACKOFF_BASE_MS: '20', EDGE_PURGE_BACKOFF_MAX_MS: '100' });
    varnish = await startVarnish({ backendPort: Number(new URL(server.url).port), port, storage: '64m' });
    story = await storyId(server, slug);
    admin = await server.token('admin');
    editor = await server.token('editor');
    await drained();
  });
  let stopped = false;
  afterAll(async () => {
    await varnish?.stop();
    if (!stopped) await server?.stop();
  });

  /** Waits until every purge written so far has reached Varnish. */
  const drained = () => until('the purge outbox to drain', async () => (await readPurgeOutbox(server.app.database.db)).pending === 0);
  const edge = (path: string, headers: Record<string, string> = {}) => fetch(path.startsWith('http') ? path : `${varnish.url}${path}`, { headers });
  const pageUrl = () => persistedUrl(varnish.url, storyPageQuery, { slug, first: ENTRIES_PER_LOAD, withJsonLd: false });

  it('serves a page from its cache', async () => {
    await edge(`/live/${slug}`).then((r) => r.text());
    const second = await edge(`/live/${slug}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('age')).toMatch(/^\d+$/);
    // Caches past this one get the browser's lifetime only, and no keys.
    expect(second.headers.get('cache-control')).toBe('public, max-age=5, stale-while-revalidate=60, stale-if-error=864000');
    expect(second.headers.get('xkey')).toBeNull();
    expect(second.headers.get('surrogate-key')).toBeNull();
  });

  it('serves the news on the next read after a publish, once the purge has gone out', async () => {
    const paths = [`/live/${slug}`, `/live/${slug}/feed.atom`, '/feed.json', pageUrl()];
    for (const path of paths) {
      await edge(path).then((r) => r.text());
      expect((await edge(path)).headers.get('x-cache'), path).toBe('HIT');
    }
    const headline = `Fresh at the edge ${Date.now()}`;
    await publishEntry(server, story, headline);
    await drained();
    for (const path of paths) {
      const res = await edge(path);
      expect(await res.text(), path).toContain(headline);
    }
    // And from then on from the cache again.
    expect((await edge(`/live/${slug}`)).headers.get('x-cache')).toBe('HIT');
  });

  it('removes a taken-down entry from every cached page and feed', async () => {
    const headline = `To be taken down ${Date.now()}`;
    const entry = await publishEntry(server, story, headline);
    await drained();
    const paths = [`/live/${slug}`, '/', `/live/${slug}/feed.atom`, `/live/${slug}/feed.json`, '/feed.atom', '/feed.json', `/live/${slug}/ninjs.json`, pageUrl()];
    for (const path of paths) {
      await edge(path).then((r) => r.text());
      const cached = await edge(path);
      expect(cached.headers.get('x-cache'), path).toBe('HIT');
      expect(await cached.text(), path).toContain(headline);
    }
    const res = await server.gql('mutation ($input: TakeDownEntryInput!) { takeDownEntry(input: $input) { entry { id } } }', { input: { id: entry, reason: 'Court order' } }, { authorization: `Bearer ${admin}` });
    expect(res.errors).toBeUndefined();
    await drained();
    for (const path of paths) {
      const after = await edge(path);
      const text = await after.text();
      expect(text, path).not.toContain(headline);
      expect(text, path).not.toContain(`Body of ${headline}`);
      // Hard purged: not even a stale copy is left to serve.
      expect(after.headers.get('x-cache'), path).not.toBe('HIT-STALE');
    }
  });

  it("never stores a token's answer, nor serves a token the anonymous one", async () => {
    const draft = `Draft only editors see ${Date.now()}`;
    await publishEntry(server, story, draft, false);
    await drained();
    // The token's request first: it passes, and what it saw (the draft) is kept nowhere.
    const asEditor = await edge(pageUrl(), { authorization: `Bearer ${editor}` });
    expect(await asEditor.text()).toContain(draft);
    expect(asEditor.headers.get('x-cache')).toBe('PASS');
    const anonymous = await edge(pageUrl());
    expect(await anonymous.text()).not.toContain(draft);
    const anonymousAgain = await edge(pageUrl());
    expect(anonymousAgain.headers.get('x-cache')).toBe('HIT');
    expect(await anonymousAgain.text()).not.toContain(draft);
    // Then the other way round: the anonymous answer is cached, and the token does not get it.
    const editorAfter = await edge(pageUrl(), { authorization: `Bearer ${editor}` });
    expect(editorAfter.headers.get('x-cache')).toBe('PASS');
    expect(await editorAfter.text()).toContain(draft);
    // The same for a page: a reader with a token is passed to the API, never answered from the cache.
    const page = await edge(`/live/${slug}`, { authorization: `Bearer ${editor}` });
    expect(page.headers.get('x-cache')).toBe('PASS');
    expect(page.headers.get('cache-control')).toBe('private, no-store');
  });

  it('serves a stale answer while the API is down rather than an error (stale-if-error), and says so', async () => {
    const path = `/live/${slug}/feed.json`;
    await edge(path).then((r) => r.text());
    const cached = await edge(path);
    expect(cached.headers.get('x-cache')).toBe('HIT');
    const before = await cached.text();
    await server.stop();
    stopped = true;
    // Made stale by hand (from the purgers' address), with nothing behind Varnish to refresh it.
    const purge = await fetch(`${varnish.url}/`, { method: 'PURGE', headers: { 'xkey-softpurge': `story-${Buffer.from(story, 'base64').toString().split(':')[1]}` } });
    expect(purge.status).toBe(200);
    const stale = await edge(path);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-cache')).toBe('HIT-STALE');
    expect(await stale.text()).toBe(before);
    // What was never cached has nothing stale to give.
    expect((await edge(`/live/${slug}/feed.atom?never-cached`)).status).toBe(503);
  });
});
