/**
 * The live page in a real Chromium: what a reader sees while editors
 * publish, edit, retract and pin through the API, across an API restart, on
 * a phone-sized screen, with the keyboard, and embedded in another site.
 */
import { type Server, createServer } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryAnchor } from '../src/formats/live-blog-posting.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type Browser, browserUnavailable, launchBrowser } from './helpers/browser.js';
import { type TestDatabase, databaseKind } from './helpers/database.js';
import { insertSyntheticStory } from './helpers/fixtures.js';
import { type TestServer, startTestServer } from './helpers/server.js';

const unavailable = browserUnavailable();
if (unavailable && databaseKind === 'pglite') console.log(`[live-page] skipping the browser tests: ${unavailable}`);

// Within 2 s of the mutation's response, as a reader would expect of a live ticker.
const LIVE_WITHIN_MS = 2_000;

describe.runIf(databaseKind === 'pglite' && !unavailable)('the live page in Chromium', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let storyId: string;
  const problems: string[] = [];
  const storyPath = `/live/${demoStory.slug}`;

  beforeAll(async () => {
    // A data directory instead of memory:// so that the API can restart on the same data.
    const dataDir = await mkdtemp(join(tmpdir(), 'diretta-live-page-'));
    database = { url: undefined, dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
    server = await startTestServer({}, database);
    storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Pages load nothing from anywhere else: no fonts, no CDN.
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol !== 'data:' && url.host !== new URL(server.url).host) problems.push(`external request: ${request.url()}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    await mkdir('test-results', { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  async function mutate(name: string, input: Record<string, unknown>, target = server): Promise<string> {
    const type = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
    const result = await target.edit<Record<string, { entry: { id: string } }>>(`mutation ($input: ${type}!) { ${name}(input: $input) { entry { id } } }`, { input });
    expect(result.errors).toBeUndefined();
    return result.data![name]!.entry.id;
  }
  const publish = (headline: string, extra: Record<string, unknown> = {}, target = server) =>
    mutate('createEntry', { story: storyId, headline, body: `${headline}: il testo.`, ...extra }, target);
  const entry = (id: string) => `#${entryAnchor(id)}`;
  const feedHeadlines = () => page.locator('[data-slot="feed"] > article .entry-headline').allTextContents();

  it('renders the story on the server, then goes live', async () => {
    const response = await page.goto(`${server.url}${storyPath}`);
    expect(response!.status()).toBe(200);
    // The server's HTML already carries the entries and the JSON-LD, for crawlers and readers without JavaScript.
    const html = await response!.text();
    expect(html).toContain('application/ld+json');
    for (const e of demoStory.entries) expect(html).toContain(e.headline.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
    await page.waitForSelector('[data-slot="connection"][data-connection="live"]', { timeout: 10_000 });
    expect(await page.locator('h1.story-title').textContent()).toBe(demoStory.title);
    expect(await page.locator('article[data-entry]').count()).toBe(demoStory.entries.length);
    expect(await page.locator('[data-slot="toggle"]').isVisible()).toBe(true);
  });

  it('shows a published entry at the top, with its chips and quote, and announces it', async () => {
    const people = await server.gql<{ person: { id: string } }>(`{ person(slug: "dmitrij-peskov") { id } }`);
    const places = await server.gql<{ place: { id: string } }>(`{ place(slug: "kiev") { id } }`);
    const peskov = people.data!.person.id;
    const id = await publish('Nuove sirene a Kiev', {
      keyEvent: true,
      people: [peskov],
      places: [places.data!.place.id],
      quotes: [{ text: 'Nessuna svolta per ora', speaker: peskov, source: 'Tass' }],
    });
    const article = await page.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    expect((await feedHeadlines())[0]).toBe('Nuove sirene a Kiev');
    expect(await article.getAttribute('class')).toContain('entry-key');
    expect(await page.locator(`${entry(id)} .chip`).allTextContents()).toEqual(['Person: Dmitrij Peskov', 'Place: Kiev']);
    expect(await page.locator(`${entry(id)} figure.quote blockquote`).textContent()).toBe('Nessuna svolta per ora');
    expect(await page.locator(`${entry(id)} figure.quote cite`).textContent()).toBe('Dmitrij Peskov');
    await page.waitForFunction(() => document.querySelector('[data-slot="announcer"]')?.textContent === 'New entry: Nuove sirene a Kiev', null, { timeout: LIVE_WITHIN_MS });
  });

  it('replaces an edited entry in place, with its correction note', async () => {
    const id = await publish('Bilancio provvisorio');
    await page.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    const before = await feedHeadlines();
    await mutate('updateEntry', { id, headline: 'Bilancio aggiornato', body: 'Tre feriti, non due.', correctionNote: 'Corretto il numero dei feriti.', expectedRevision: 1 });
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.querySelector('.correction')?.textContent === 'Correction: Corretto il numero dei feriti.',
      entry(id),
      { timeout: LIVE_WITHIN_MS },
    );
    expect(await page.locator(`${entry(id)} .entry-body`).textContent()).toBe('Tre feriti, non due.');
    expect(await page.locator(entry(id)).count()).toBe(1);
    // Same place in the feed, new headline.
    expect(await feedHeadlines()).toEqual(before.map((h) => (h === 'Bilancio provvisorio' ? 'Bilancio aggiornato' : h)));
  });

  it('collapses a retracted entry into an "entry withdrawn" line without its text', async () => {
    const id = await publish('Notizia da verificare', { body: 'Un testo che sarà ritirato.' });
    await page.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    await mutate('retractEntry', { id, correctionNote: 'Notizia non confermata.' });
    const line = await page.waitForSelector(`${entry(id)}.entry-withdrawn`, { timeout: LIVE_WITHIN_MS });
    const text = await line.textContent();
    expect(text).toContain('Entry withdrawn');
    expect(text).toContain('Notizia non confermata.');
    expect(text).not.toContain('Un testo che sarà ritirato.');
    expect(await page.content()).not.toContain('Un testo che sarà ritirato.');
  });

  it('moves a pinned entry on top, and back into the feed when unpinned', async () => {
    const id = await publish('Il punto della giornata');
    await publish('Dopo il punto');
    await page.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    await mutate('pinEntry', { id });
    await page.waitForSelector(`[data-slot="pinned"] > ${entry(id)}`, { timeout: LIVE_WITHIN_MS });
    expect(await page.locator('[data-slot="pinned-section"]').isVisible()).toBe(true);
    expect(await page.locator(`[data-slot="feed"] > ${entry(id)}`).count()).toBe(0);
    expect(await page.locator(`${entry(id)} .badge-pinned`).textContent()).toBe('Pinned');
    await mutate('unpinEntry', { id });
    await page.waitForSelector(`[data-slot="feed"] > ${entry(id)}`, { timeout: LIVE_WITHIN_MS });
    expect(await page.locator('[data-slot="pinned-section"]').isHidden()).toBe(true);
    expect((await feedHeadlines()).slice(0, 2)).toEqual(['Dopo il punto', 'Il punto della giornata']);
    // Pinned again for the rest of the run (and the screenshot).
    await mutate('pinEntry', { id });
    await page.waitForSelector(`[data-slot="pinned"] > ${entry(id)}`, { timeout: LIVE_WITHIN_MS });
  });

  it('treats entries as text, never as markup', async () => {
    const headline = '<img src=x onerror="window.__pwned = 1">';
    const id = await publish(headline, { body: '</script><script>window.__pwned = 2</script>' });
    await page.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    expect(await page.locator(`${entry(id)} .entry-headline`).textContent()).toBe(headline);
    expect(await page.locator('[data-ticker] img').count()).toBe(0);
    await page.reload();
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    expect(await page.locator(`${entry(id)} .entry-headline`).textContent()).toBe(headline);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!) as { liveBlogUpdate: { headline: string }[] };
    expect(jsonLd.liveBlogUpdate[0]!.headline).toBe(headline);
  });

  it('filters to key events and moves between entries with the keyboard', async () => {
    await page.check('[data-slot="key-only"]');
    const visible = await page.locator('[data-slot="feed"] > article:visible').evaluateAll((list) => list.map((a) => a.classList.contains('entry-key')));
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every(Boolean)).toBe(true);
    await page.uncheck('[data-slot="key-only"]');

    const ids = await page.locator('[data-slot="feed"] > article').evaluateAll((list) => list.map((a) => a.id));
    await page.focus(`#${ids[0]}`);
    await page.keyboard.press('PageDown');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(ids[1]);
    await page.keyboard.press('PageUp');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(ids[0]);
    // Landmarks and the polite live region are there for assistive technology.
    expect(await page.locator('header.masthead').count()).toBe(1);
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.locator('[role="feed"]').count()).toBe(1);
    expect(await page.locator('[data-slot="announcer"][aria-live="polite"]').count()).toBe(1);
  });

  it('loads older entries on scroll through the connection cursor', async () => {
    await insertSyntheticStory(server.app.database.db, { slug: 'lunga-diretta', entries: 45 });
    await page.goto(`${server.url}/live/lunga-diretta`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    expect(await page.locator('[data-slot="feed"] > article').count()).toBe(20);
    // Scroll to the end of the feed, as a reader would, until there is nothing older.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await page.locator('[data-slot="feed"] > article').count()) < 45) {
      await page.mouse.wheel(0, 5_000);
      await page.waitForTimeout(100);
    }
    expect(await page.locator('[data-slot="older-line"]').isHidden()).toBe(true);
    const headlines = await feedHeadlines();
    expect(headlines).toEqual(Array.from({ length: 45 }, (_, i) => `Update ${44 - i} on lunga-diretta`));
  });

  it('reconnects after the API restarts and shows what was published meanwhile', async () => {
    await page.goto(`${server.url}${storyPath}`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    const port = new URL(server.url).port;
    await server.stop();
    await page.waitForSelector('[data-connection="reconnecting"]', { timeout: 5_000 });

    // Publish on another port first, so that the page certainly missed these entries.
    const elsewhere = await startTestServer({}, database);
    const missed = [await publish('Pubblicato durante il riavvio', {}, elsewhere), await publish('Anche questo', {}, elsewhere)];
    await elsewhere.stop();

    server = await startTestServer({ PORT: port }, database);
    for (const id of missed) await page.waitForSelector(entry(id), { timeout: 15_000 });
    await page.waitForSelector('[data-connection="live"]', { timeout: 5_000 });
    await page.waitForFunction(() => /2 updates arrived while the connection was down/.test(document.querySelector('[data-slot="notice"]')?.textContent ?? ''), null, { timeout: 5_000 });
    expect(await page.locator(`${entry(missed[0]!)}.is-missed`).count()).toBe(1);
    expect((await feedHeadlines()).slice(0, 2)).toEqual(['Anche questo', 'Pubblicato durante il riavvio']);

    // And it is live again.
    const after = await publish('Di nuovo in diretta');
    await page.waitForSelector(entry(after), { timeout: LIVE_WITHIN_MS });
    await page.screenshot({ path: 'test-results/live-page.png' });
  });

  it('is readable on a phone', async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 375, height: 740 });
    await phone.goto(`${server.url}${storyPath}`);
    await phone.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const fontSize = await phone.locator('.entry-body p').first().evaluate((p) => parseFloat(getComputedStyle(p).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(16);
    await phone.screenshot({ path: 'test-results/live-page-phone.png' });
    await phone.close();
  });

  it('drops the same ticker into another site with the embed script', async () => {
    const site: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Another site</title><style>body{font-family:serif;max-width:40rem;margin:auto}</style></head>
        <body><h1>Another site</h1><p>Our coverage, live:</p><script src="${server.url}/embed.js" data-story="${demoStory.slug}"></script><p>After the ticker.</p></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    try {
      const embedded = await browser.context.newPage();
      embedded.on('pageerror', (error) => problems.push(`embed page error: ${error.message}`));
      await embedded.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      // Playwright's CSS selectors pierce the open shadow root.
      await embedded.waitForSelector('.diretta-embed [data-connection="live"]', { timeout: 10_000 });
      expect(await embedded.locator('.diretta-embed article[data-entry]').count()).toBeGreaterThan(demoStory.entries.length);
      expect(await embedded.locator('.diretta-embed h2.story-title').textContent()).toBe(demoStory.title);
      const id = await publish('Anche nel sito ospite');
      await embedded.waitForSelector(`.diretta-embed ${entry(id)}`, { timeout: LIVE_WITHIN_MS });
      // The host page's own content is untouched, and the ticker sits where the script was.
      expect(await embedded.locator('body > p').allTextContents()).toEqual(['Our coverage, live:', 'After the ticker.']);
      await embedded.screenshot({ path: 'test-results/live-page-embed.png' });
      await embedded.close();
    } finally {
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
    }
  });

  it('logged no script errors, no Content-Security-Policy violations and no external requests', () => {
    expect(problems).toEqual([]);
  });

  // Last: a page that went offline leaves half-open sockets behind it.
  it('stops saying "Live" when the connection dies silently (no close event), and comes back', async () => {
    await page.goto(`${server.url}${storyPath}`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    // Offline, as DevTools or a lost Wi-Fi does it: frames stop, no close event arrives.
    await page.context().setOffline(true);
    // Keep-alive ping every 15 s, pong awaited 5 s.
    await page.waitForSelector('[data-connection="reconnecting"]', { timeout: 25_000 });
    await page.context().setOffline(false);
    await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
  }, 60_000);
});
