/**
 * GraphiQL without the internet: the page and everything it loads come from
 * this server (no CDN), under a Content-Security-Policy that allows only
 * 'self'; in Chromium, with every request to another origin blocked, it
 * still loads and runs the demo query.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_ASSET_PREFIX } from '../src/graphiql.js';
import { type Browser, browserUnavailable, launchBrowser } from './helpers/browser.js';
import { databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';

const unavailable = browserUnavailable();
if (unavailable && databaseKind === 'pglite') console.log(`[graphiql] skipping the browser test: ${unavailable}`);

const YEAR = 31_536_000;

describe('GraphiQL served by Diretta', () => {
  let server: TestServer;
  let html: string;
  let headers: Headers;

  beforeAll(async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    headers = response.headers;
    html = await response.text();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('is an HTML page with the demo document and the headers hint', () => {
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html).toContain('<title>Diretta</title>');
    expect(html).toContain('query DemoStory');
    expect(html).toContain('mutation PublishEntry');
    expect(html).toContain('into Headers as');
  });

  it('references no http(s) URL but its own server', () => {
    const own = new URL(server.url).origin;
    const urls = [...html.matchAll(/(?:https?:)?\/\/[^\s"'<>\\)]+/gi)].map((m) => m[0]);
    expect(urls.filter((url) => !url.startsWith(`${own}/`))).toEqual([]);
    // and none of the CDNs the stock page uses
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn|githubusercontent/i);
  });

  it('allows scripts, workers and connections from itself only', () => {
    const policy = headers.get('content-security-policy') ?? '';
    const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('worker-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    // no inline script in the page: the options are a JSON block, read by a script of ours
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(1);
    for (const [, attributes, body] of scripts) {
      if (/\bsrc=/.test(attributes!)) expect(body).toBe('');
      else expect(attributes).toMatch(/type="application\/json"/);
    }
  });

  it('serves every file the page references, with its content type and a year of caching', async () => {
    const paths = [...new Set([...html.matchAll(/\/graphiql\/assets\/[\w.-]+/g)].map((m) => m[0]))];
    const types = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', ico: 'image/x-icon' } as Record<string, string>;
    // the bundle, its boot script, the stylesheet, the favicon and Monaco's three workers
    expect(paths).toHaveLength(7);
    for (const path of paths) {
      const response = await fetch(`${server.url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(types[path.split('.').pop()!]);
      expect(response.headers.get('cache-control'), path).toBe(`public, max-age=${YEAR}, immutable`);
      expect((await response.arrayBuffer()).byteLength, path).toBeGreaterThan(100);
      const again = await fetch(`${server.url}${path}`, { headers: { 'if-none-match': response.headers.get('etag')! } });
      expect(again.status, path).toBe(304);
    }
    expect((await fetch(`${server.url}${GRAPHIQL_ASSET_PREFIX}graphiql.0000000000000000.js`)).status).toBe(404);
    expect((await fetch(`${server.url}${paths[0]}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(405);
  });

  describe.runIf(databaseKind === 'pglite' && !unavailable)('in Chromium, offline', () => {
    let browser: Browser;
    let page: Page;
    const blocked: string[] = [];
    const problems: string[] = [];

    beforeAll(async () => {
      browser = await launchBrowser();
      page = await browser.context.newPage();
      const own = new URL(server.url).origin;
      // The internet is not there: anything not from this server fails.
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${own}/`) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
        blocked.push(url);
        return route.abort('internetdisconnected');
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    // Monaco lays text out with no-break spaces.
    const textOf = async (selector: string) => (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ');

    it('loads GraphiQL and runs the demo query', async () => {
      const response = await page.goto(`${server.url}/graphql`);
      expect(response!.status()).toBe(200);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
      // the demo document is in the editor
      await expect.poll(() => textOf('.graphiql-query-editor'), { timeout: 15_000 }).toContain('query DemoStory');
      // two operations in the document: GraphiQL asks which one to run
      await page.click('.graphiql-execute-button');
      await page.getByRole('menuitem', { name: 'DemoStory', exact: true }).click();
      await expect.poll(() => textOf('.graphiql-response'), { timeout: 15_000 }).toMatch(/"data": \{\s*"story": \{\s*"title": "Ucraina-Russia/);
      expect(blocked).toEqual([]);
      expect(problems).toEqual([]);
    });
  });
});
