/**
 * The live page in a real Chromium: what a reader sees while editors
 * publish, edit, retract and pin through the API, across an API restart, on
 * a phone-sized screen, with the keyboard, and embedded in another site.
 */
import { type Server, createServer } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/tokens.js';
import { entryAnchor } from '../src/formats/live-blog-posting.js';
import { demoStory } from '../src/seed/demo-story.js';
import { documentHash } from '../src/plugins/trusted-documents.js';
import { olderEntriesQuery } from '../src/site/page-data.js';
import { type Browser, browserUnavailable, launchBrowser } from './helpers/browser.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { insertSyntheticStory } from './helpers/fixtures.js';
import { TEST_JWT_SECRET, type TestServer, startTestServer } from './helpers/server.js';

const unavailable = browserUnavailable();
if (unavailable && databaseKind === 'pglite') console.log(`[live-page] skipping the browser tests: ${unavailable}`);

// Within 2 s of the mutation's response, as a reader would expect of a live ticker.
const LIVE_WITHIN_MS = 2_000;

/** The one other host a page may load from: the images this file publishes with entries (served by the test itself). */
const IMAGE_HOST = 'images.diretta.test';
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** What a careless or hostile host site may set: none of it may reach the embedded ticker. */
const HOSTILE_HOST_CSS = `
  * { font-family: "Comic Sans MS", serif !important; color: rgb(255, 0, 0) !important; letter-spacing: 3px !important; text-transform: uppercase !important; }
  body > p { font-family: serif !important; font-size: 18px; text-transform: none !important; }
  div, section, article, h2, h3, header, main { display: inline !important; text-align: right !important; line-height: 3 !important; }
  body { text-align: right; }
`;

/**
 * Each test opens its page afresh: with the default EDGE_MAX_AGE (5 s) the browser may keep a page, and its
 * ticker would then (rightly) replay what earlier tests published since, which the counts below do not expect.
 */
const FRESH_PAGES = { EDGE_MAX_AGE: '0' };

describe.runIf(databaseKind === 'pglite' && !unavailable)('the live page in Chromium', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let storyId: string;
  const problems: string[] = [];
  const storyPath = `/live/${demoStory.slug}`;

  beforeAll(async () => {
    // A data directory (a copy of the seeded template) so that the API can restart on the same data.
    database = await createTestDatabase('seeded');
    server = await startTestServer(FRESH_PAGES, database);
    storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Pages load nothing from anywhere else: no fonts, no CDN.
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol !== 'data:' && url.host !== new URL(server.url).host && url.host !== IMAGE_HOST) problems.push(`external request: ${request.url()}`);
    });
    await browser.context.route(`https://${IMAGE_HOST}/**`, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL }));
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
    expect(await page.locator(`${entry(id)} .chip`).allTextContents()).toEqual(['Persona: Dmitrij Peskov', 'Luogo: Kiev']);
    expect(await page.locator(`${entry(id)} figure.quote blockquote`).textContent()).toBe('Nessuna svolta per ora');
    expect(await page.locator(`${entry(id)} figure.quote cite`).textContent()).toBe('Dmitrij Peskov');
    await page.waitForFunction(() => document.querySelector('[data-slot="announcer"]')?.textContent === 'Nuovo aggiornamento: Nuove sirene a Kiev', null, { timeout: LIVE_WITHIN_MS });
  });

  it('replaces an edited entry in place, with its correction note', async () => {
    const id = await publish('Bilancio provvisorio');
    await page.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    const before = await feedHeadlines();
    await mutate('updateEntry', { id, headline: 'Bilancio aggiornato', body: 'Tre feriti, non due.', correctionNote: 'Corretto il numero dei feriti.', expectedRevision: 1 });
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.querySelector('.correction')?.textContent === 'Correzione: Corretto il numero dei feriti.',
      entry(id),
      { timeout: LIVE_WITHIN_MS },
    );
    expect(await page.locator(`${entry(id)} .entry-body`).textContent()).toBe('Tre feriti, non due.');
    // Marked as corrected beside its time, where other marks (verification) sit too.
    expect(await page.locator(`${entry(id)} .entry-head .badge-corrected`).textContent()).toBe('Corretto');
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
    expect(text).toContain('Aggiornamento ritirato');
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
    expect(await page.locator(`${entry(id)} .badge-pinned`).textContent()).toBe('In evidenza');
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

  it('shows the newest entries first and loads older updates on demand, a page at a time, through the API', async () => {
    await insertSyntheticStory(server.app.database.db, { slug: 'lunga-diretta', entries: 45 });
    // The loader asks for its trusted document by hash, with GET (so a shared cache may answer it).
    const olderHash = documentHash(olderEntriesQuery);
    const olderLoads: URL[] = [];
    const onRequest = (request: { method(): string; url(): string }) => {
      const url = new URL(request.url());
      if (request.method() === 'GET' && url.pathname === '/graphql' && url.searchParams.get('extensions')?.includes(olderHash)) olderLoads.push(url);
    };
    page.on('request', onRequest);
    const response = await page.goto(`${server.url}/live/lunga-diretta`);
    const html = await response!.text();
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    // The first view: the newest 20 (PAGE_ENTRIES), and the JSON-LD covers the same 20, once.
    expect(await page.locator('[data-slot="feed"] > article').count()).toBe(20);
    expect(html.match(/application\/ld\+json/g)).toHaveLength(1);
    const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!) as { liveBlogUpdate: { headline: string }[] };
    expect(jsonLd.liveBlogUpdate.map((u) => u.headline)).toEqual(Array.from({ length: 20 }, (_, i) => `Update ${44 - i} on lunga-diretta`));
    // The script's data places the entries the page rendered: no second copy of their text, no second JSON-LD.
    const data = (await page.locator('#diretta-data').textContent())!;
    expect(data).not.toContain('LiveBlogPosting');
    expect(data).not.toContain('Update 44 on lunga-diretta');

    // Scrolling to the end loads nothing by itself...
    await page.mouse.wheel(0, 50_000);
    await page.waitForTimeout(300);
    expect(olderLoads).toHaveLength(0);
    expect(await page.locator('[data-slot="feed"] > article').count()).toBe(20);
    // ..."Older updates" does, a page at a time, and focus lands on the first entry it brought.
    const older = page.locator('[data-slot="older"]');
    expect(await older.textContent()).toBe('Older updates');
    await older.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-slot="feed"] > article').length === 40, null, { timeout: 5_000 });
    expect(await page.evaluate(() => document.activeElement?.querySelector('.entry-headline')?.textContent)).toBe('Update 24 on lunga-diretta');
    await older.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-slot="feed"] > article').length === 45, null, { timeout: 5_000 });
    expect(olderLoads).toHaveLength(2);
    expect(olderLoads.map((url) => (JSON.parse(url.searchParams.get('variables')!) as { first: number }).first)).toEqual([20, 20]);
    expect(await page.locator('[data-slot="older-line"]').isHidden()).toBe(true);
    expect(await feedHeadlines()).toEqual(Array.from({ length: 45 }, (_, i) => `Update ${44 - i} on lunga-diretta`));
    page.off('request', onRequest);
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

    server = await startTestServer({ ...FRESH_PAGES, PORT: port }, database);
    for (const id of missed) await page.waitForSelector(entry(id), { timeout: 15_000 });
    await page.waitForSelector('[data-connection="live"]', { timeout: 5_000 });
    await page.waitForFunction(() => /sono arrivati 2 aggiornamenti durante l’interruzione/.test(document.querySelector('[data-slot="notice"]')?.textContent ?? ''), null, { timeout: 5_000 });
    expect(await page.locator(`${entry(missed[0]!)}.is-missed`).count()).toBe(1);
    expect((await feedHeadlines()).slice(0, 2)).toEqual(['Anche questo', 'Pubblicato durante il riavvio']);

    // And it is live again.
    const after = await publish('Di nuovo in diretta');
    await page.waitForSelector(entry(after), { timeout: LIVE_WITHIN_MS });
    await page.screenshot({ path: 'test-results/live-page.png' });
  });


  /** A story of this file's own, live, in `language`, with `count` entries; returns its ID. */
  async function storyWith(slug: string, language: string, count: number, extra = ''): Promise<string> {
    const created = await server.edit<{ createStory: { story: { id: string } } }>(
      `mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id } } }`,
      { input: { slug, title: `Story ${slug}`, language, status: 'LIVE', summary: extra || null } },
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createStory.story.id;
    for (let i = 1; i <= count; i++) await mutate('createEntry', { story: id, headline: `Entry ${i} of ${slug}`, body: `Text ${i}.` });
    return id;
  }
  const setStatus = async (id: string, status: string) => {
    const result = await server.edit(`mutation ($id: ID!, $status: StoryStatus!) { setStoryStatus(input: { id: $id, status: $status }) { story { id } } }`, { id, status });
    expect(result.errors).toBeUndefined();
  };

  it('says when a story is paused or ended, and never calls it "Live" then', async () => {
    const id = await storyWith('copertura-finita', 'en', 2);
    await setStatus(id, 'ENDED');
    await page.goto(`${server.url}/live/copertura-finita`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    const indicator = async () => ({
      status: await page.locator('[data-slot="status"]').textContent(),
      connection: await page.locator('[data-slot="connection"]').textContent(),
      live: await page.getByText(/^(● )?Live$/).count(),
    });
    expect(await indicator()).toEqual({ status: 'Coverage ended', connection: 'Following updates', live: 0 });
    // Back on air: the page follows the story's status as it changes.
    await setStatus(id, 'LIVE');
    await page.waitForFunction(() => document.querySelector('[data-slot="status"]')?.textContent === 'Live coverage', null, { timeout: LIVE_WITHIN_MS });
    expect(await indicator()).toEqual({ status: 'Live coverage', connection: 'Live', live: 1 });
    await page.waitForFunction(() => !/ended/.test(document.querySelector('[data-slot="coverage"]')?.textContent ?? ''), null, { timeout: LIVE_WITHIN_MS });
    await setStatus(id, 'PAUSED');
    await page.waitForFunction(() => document.querySelector('[data-slot="status"]')?.textContent === 'Coverage paused', null, { timeout: LIVE_WITHIN_MS });
    expect(await indicator()).toEqual({ status: 'Coverage paused', connection: 'Following updates', live: 0 });
    await setStatus(id, 'ENDED');
    await page.waitForFunction(() => document.querySelector('[data-slot="status"]')?.textContent === 'Coverage ended', null, { timeout: LIVE_WITHIN_MS });
    expect(await indicator()).toEqual({ status: 'Coverage ended', connection: 'Following updates', live: 0 });
    // The coverage line says when it ended, without a reload.
    await page.waitForFunction(() => /· ended /.test(document.querySelector('[data-slot="coverage"]')?.textContent ?? ''), null, { timeout: LIVE_WITHIN_MS });
  });

  it('speaks the story\'s language: labels, dates and relative times kept current', async () => {
    const italian = await browser.context.newPage();
    await italian.clock.install();
    await italian.goto(`${server.url}${storyPath}`);
    await italian.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    expect(await italian.locator('html').getAttribute('lang')).toBe('it');
    expect(await italian.locator('#diretta-feed-title').textContent()).toBe('Ultimi aggiornamenti');
    expect((await italian.locator('[data-slot="toggle"]').textContent())!.trim()).toBe('Solo i momenti chiave');
    expect(await italian.locator('.key-events summary').textContent()).toMatch(/^Momenti chiave \(\d+\)$/);
    // The demo's entries are of 23 December 2025: Italian month, Intl's relative time.
    const demoEntry = italian.locator('[data-slot="feed"] > article[data-status="published"]').last();
    expect(await demoEntry.locator('.at').textContent()).toMatch(/^\d{1,2} dic, \d\d:\d\d$/);
    expect(await demoEntry.locator('.ago').textContent()).toMatch(/ fa$|^anno scorso$/);
    const id = await publish('Appena pubblicato');
    await italian.waitForSelector(entry(id), { timeout: LIVE_WITHIN_MS });
    expect(await italian.locator(`${entry(id)} .ago`).textContent()).toBe('adesso');
    await italian.clock.fastForward('05:00');
    await italian.waitForFunction((selector) => document.querySelector(selector)?.textContent === '5 min fa', `${entry(id)} .ago`, { timeout: LIVE_WITHIN_MS });
    await italian.close();

    // English, and any other language falls back to English.
    for (const [slug, language] of [['english-story', 'en'], ['deutsche-geschichte', 'de']] as const) {
      await storyWith(slug, language, 1);
      const other = await browser.context.newPage();
      await other.goto(`${server.url}/live/${slug}`);
      await other.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
      expect(await other.locator('html').getAttribute('lang')).toBe('en');
      expect(await other.locator('#diretta-feed-title').textContent()).toBe('Latest updates');
      expect(await other.locator('[data-slot="status"]').textContent()).toBe('Live coverage');
      expect(await other.locator('[data-slot="connection"]').textContent()).toBe('Live');
      expect(await other.locator('.entry .ago').first().textContent()).toMatch(/^just now$|ago$/);
      expect(await other.locator('.story-title').getAttribute('lang')).toBe(language);
      await other.close();
    }
  });

  it('sums up the key events at the top, each linking to its entry', async () => {
    await page.goto(`${server.url}${storyPath}`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    const summary = () => page.locator('[data-slot="key-events-list"] > li').allTextContents();
    const before = await summary();
    expect(before.length).toBe(await page.locator('article.entry-key').count());
    const id = await publish('Vertice convocato per domani', { keyEvent: true });
    await page.waitForFunction((n) => document.querySelectorAll('[data-slot="key-events-list"] > li').length === n, before.length + 1, { timeout: LIVE_WITHIN_MS });
    expect((await summary())[0]).toContain('Vertice convocato per domani');
    const link = page.locator('[data-slot="key-events-list"] > li').first().locator('a');
    expect(await link.getAttribute('href')).toBe(entry(id));
    // Open on a wide screen; one tap away on a phone.
    expect(await page.locator('.key-events').getAttribute('open')).toBe('');
    await link.click();
    expect(new URL(page.url()).hash).toBe(entry(id));
    expect(await page.locator(entry(id)).isVisible()).toBe(true);
    // No longer a key event: out of the summary.
    await mutate('setKeyEvent', { id, keyEvent: false });
    await page.waitForFunction((n) => document.querySelectorAll('[data-slot="key-events-list"] > li').length === n, before.length, { timeout: LIVE_WITHIN_MS });
  });

  it('keeps the page still for a reader further down: new entries wait behind a pill', async () => {
    const id = await storyWith('pill-story', 'it', 30);
    await page.goto(`${server.url}/live/pill-story`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    await page.evaluate(() => window.scrollTo(0, 2_500));
    const reading = page.locator('[data-slot="feed"] > article').nth(12);
    const before = { y: await page.evaluate(() => window.scrollY), top: await reading.evaluate((a) => a.getBoundingClientRect().top) };
    const first = await mutate('createEntry', { story: id, headline: 'Primo arrivo', body: 'Uno.' });
    const second = await mutate('createEntry', { story: id, headline: 'Secondo arrivo', body: 'Due.' });
    await page.waitForFunction(() => document.querySelector('[data-slot="pill"]')?.textContent === '2 nuovi aggiornamenti', null, { timeout: LIVE_WITHIN_MS });
    expect(await page.locator('[data-slot="pill"]').isVisible()).toBe(true);
    expect(await page.locator(entry(first)).count()).toBe(0);
    expect({ y: await page.evaluate(() => window.scrollY), top: await reading.evaluate((a) => a.getBoundingClientRect().top) }).toEqual(before);
    await page.locator('[data-slot="pill"]').click();
    await page.waitForSelector(entry(second), { timeout: LIVE_WITHIN_MS });
    expect((await feedHeadlines()).slice(0, 2)).toEqual(['Secondo arrivo', 'Primo arrivo']);
    expect(await page.locator('[data-slot="pill"]').isHidden()).toBe(true);
    const top = await page.locator(entry(second)).evaluate((a) => a.getBoundingClientRect().top);
    expect(top).toBeGreaterThanOrEqual(0);
    expect(top).toBeLessThan(await page.evaluate(() => window.innerHeight));
    // At the top of the feed, new entries go straight in.
    const third = await mutate('createEntry', { story: id, headline: 'Terzo arrivo', body: 'Tre.' });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForSelector(entry(third), { timeout: LIVE_WITHIN_MS });
    expect(await page.locator('[data-slot="pill"]').isHidden()).toBe(true);
  });

  it('prints bylines, corrections, quotes once and images with caption and credit', async () => {
    const peskov = (await server.gql<{ person: { id: string } }>(`{ person(slug: "dmitrij-peskov") { id } }`)).data!.person.id;
    // The byline is the editor's display name from the token, never its subject.
    const named = await mintToken(TEST_JWT_SECRET, { role: 'editor', subject: 'u-4821', name: 'Giulia Rossi', expiresIn: 600 });
    const created = await server.gql<{ createEntry: { entry: { id: string } } }>(
      `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`,
      {
        input: {
          story: storyId,
          headline: 'Peskov sul vertice',
          body: 'Il portavoce ha detto: «Nessuna data è stata fissata», poi ha lasciato la sala.',
          quotes: [{ text: 'Nessuna data è stata fissata', speaker: peskov, source: 'Tass' }],
          media: [{ url: `https://${IMAGE_HOST}/peskov.png`, alt: 'Peskov al Cremlino', caption: 'Dmitrij Peskov a Mosca', credit: 'Reuters/Anna Bianchi', width: 1200, height: 800 }],
        },
      },
      { authorization: `Bearer ${named}` },
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createEntry.entry.id;
    await page.goto(`${server.url}${storyPath}`);
    await page.waitForSelector(entry(id), { timeout: 10_000 });
    const article = page.locator(entry(id));
    expect(await article.locator('.byline').textContent()).toBe('di Giulia Rossi');
    expect(await article.textContent()).not.toContain('u-4821');
    // The quote is in the text: highlighted there, not printed again.
    expect(await article.locator('mark.quote-inline').textContent()).toBe('Nessuna data è stata fissata');
    expect(await article.locator('figure.quote').count()).toBe(0);
    expect((await article.textContent())!.split('Nessuna data è stata fissata').length - 1).toBe(1);
    const image = article.locator('figure.entry-media img');
    expect(await image.getAttribute('src')).toBe(`https://${IMAGE_HOST}/peskov.png`);
    expect(await image.getAttribute('alt')).toBe('Peskov al Cremlino');
    expect(await image.getAttribute('width')).toBe('1200');
    expect(await article.locator('figure.entry-media figcaption').textContent()).toBe('Dmitrij Peskov a MoscaFoto: Reuters/Anna Bianchi');
    await image.scrollIntoViewIfNeeded();
    await page.waitForFunction((selector) => (document.querySelector(selector) as HTMLImageElement | null)?.complete === true, `${entry(id)} figure.entry-media img`);
    const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!) as { liveBlogUpdate: { headline: string; image?: { url: string; creditText: string }[] }[] };
    expect(jsonLd.liveBlogUpdate.find((u) => u.headline === 'Peskov sul vertice')!.image).toMatchObject([{ url: `https://${IMAGE_HOST}/peskov.png`, creditText: 'Reuters/Anna Bianchi' }]);
  });

  it('loads the story page in under 25 KB, with assets cached for a year', async () => {
    // The context's cache holds earlier loads: count on a page with the cache turned off, as a first visit.
    const counted = await browser.context.newPage();
    const session = await counted.context().newCDPSession(counted);
    await session.send('Network.setCacheDisabled', { cacheDisabled: true });
    const sizes: Promise<number>[] = [];
    counted.on('requestfinished', (request) => sizes.push(request.sizes().then((s) => s.responseHeadersSize + s.responseBodySize)));
    await counted.goto(`${server.url}${storyPath}`);
    await counted.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    await counted.waitForLoadState('load');
    const total = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    console.log(`[live-page] first load: ${sizes.length} requests, ${total} bytes`);
    expect(sizes.length).toBeGreaterThanOrEqual(3); // page, stylesheet, script
    expect(total).toBeLessThan(25_000);
    await counted.close();
    const html = await (await fetch(`${server.url}${storyPath}`)).text();
    for (const [, path] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+\?v=[^"]+)"/g)) {
      const response = await fetch(`${server.url}${path!}`);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(`${server.url}/embed.js`)).headers.get('cache-control')).toBe('no-cache');
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
    // A compact masthead: the first update starts on the first screen, whatever the headline and standfirst.
    const firstTop = () => phone.locator('[data-ticker] article[data-entry]').first().evaluate((a) => a.getBoundingClientRect().top);
    expect(await firstTop()).toBeLessThan(740);
    const standfirst = 'Una lunga introduzione che riassume la giornata: '.repeat(8);
    await storyWith('diretta-dal-telefono', 'it', 3, standfirst);
    await phone.setViewportSize({ width: 375, height: 667 });
    await phone.goto(`${server.url}/live/diretta-dal-telefono`);
    await phone.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    expect(await firstTop()).toBeLessThan(667);
    await phone.screenshot({ path: 'test-results/live-page-phone.png' });
    await phone.close();
  });

  it('drops the same ticker into another site with the embed script', async () => {
    const site: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Another site</title><style>${HOSTILE_HOST_CSS}</style></head>
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
      // Nothing of the host's hostile stylesheet reaches the ticker…
      const inside = await embedded.locator(`.diretta-embed ${entry(id)} .entry-headline`).evaluate((e) => {
        const style = getComputedStyle(e);
        return { font: style.fontFamily, color: style.color, spacing: style.letterSpacing, transform: style.textTransform, display: style.display, align: style.textAlign };
      });
      expect(inside.font).toMatch(/^system-ui,/);
      expect(inside).toMatchObject({ spacing: 'normal', transform: 'none', display: 'block', align: 'start' });
      expect(inside.color).not.toBe('rgb(255, 0, 0)');
      expect(await embedded.locator('.diretta-embed article[data-entry]').first().isVisible()).toBe(true);
      // …and nothing of the ticker's reaches the host page.
      const outside = await embedded.evaluate(() => {
        const body = getComputedStyle(document.body);
        const p = getComputedStyle(document.querySelector('body > p')!);
        return { margin: body.margin, background: body.backgroundColor, font: p.fontFamily, size: p.fontSize };
      });
      expect(outside).toEqual({ margin: '8px', background: 'rgba(0, 0, 0, 0)', font: 'serif', size: '18px' });
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
    // The page's timers on Playwright's clock, run forward instead of waited for: the keep-alive's 15 s and
    // the pong's 5 s pass in a moment. The clock is the browser context's, which every test here shares: this
    // test comes last.
    await browser.context.clock.install();
    await page.goto(`${server.url}${storyPath}`);
    await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
    // Offline, as DevTools or a lost Wi-Fi does it: frames stop, no close event arrives.
    await page.context().setOffline(true);
    // Keep-alive ping after 15 s, its pong awaited 5 s: then the page says so.
    await page.clock.runFor(14_000);
    expect(await page.getAttribute('[data-connection]', 'data-connection')).toBe('live');
    await page.clock.runFor(6_100);
    await page.waitForSelector('[data-connection="reconnecting"]', { timeout: 10_000 });
    await page.context().setOffline(false);
    // The next attempt comes within the retry ceiling (5 s) and its jitter.
    await page.clock.runFor(7_000);
    await page.waitForSelector('[data-connection="live"]', { timeout: 15_000 });
  }, 60_000);
});
