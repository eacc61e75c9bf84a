/**
 * The pages as a crawler or a reader without JavaScript gets them, and the
 * schema.org LiveBlogPosting document that the story page and
 * `Story.liveBlogPosting` share.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryAnchor } from '../src/formats/live-blog-posting.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
let storyId: string;

beforeAll(async () => {
  // Absolute URLs come from PUBLIC_URL, never from the Host header a client sends.
  server = await startTestServer({ PUBLIC_URL: 'https://live.example.com/ignored/path' });
  storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
});
afterAll(async () => {
  await server?.stop();
});

const page = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, html: await response.text() };
};

function jsonLdOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html);
  expect(match, 'the page carries JSON-LD').not.toBeNull();
  return JSON.parse(match![1]!) as Record<string, unknown>;
}

const postingField = (url?: string, headers?: Record<string, string>) =>
  server.gql<{ story: { liveBlogPosting: Record<string, unknown> } }>(
    `query ($slug: String!, $url: String) { story(slug: $slug) { liveBlogPosting(url: $url) } }`,
    { slug: demoStory.slug, url },
    headers,
  );

async function mutate(name: string, input: Record<string, unknown>): Promise<string> {
  const type = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  const result = await server.edit<Record<string, { entry: { id: string } }>>(`mutation ($input: ${type}!) { ${name}(input: $input) { entry { id } } }`, { input });
  expect(result.errors).toBeUndefined();
  return result.data![name]!.entry.id;
}

// Property names from schema.org (https://schema.org/LiveBlogPosting and
// https://schema.org/BlogPosting): each type's own properties and those it
// inherits (BlogPosting → SocialMediaPosting → Article → CreativeWork → Thing),
// plus the JSON-LD keywords. A property outside these lists is not schema.org.
const THING = ['additionalType', 'alternateName', 'description', 'disambiguatingDescription', 'identifier', 'image', 'mainEntityOfPage', 'name', 'potentialAction', 'sameAs', 'subjectOf', 'url'];
const CREATIVE_WORK = [
  'about', 'abstract', 'accessMode', 'accessModeSufficient', 'accessibilityAPI', 'accessibilityControl', 'accessibilityFeature', 'accessibilityHazard',
  'accessibilitySummary', 'accountablePerson', 'acquireLicensePage', 'aggregateRating', 'alternativeHeadline', 'archivedAt', 'assesses', 'associatedMedia',
  'audience', 'audio', 'author', 'award', 'character', 'citation', 'comment', 'commentCount', 'conditionsOfAccess', 'contentLocation', 'contentRating',
  'contentReferenceTime', 'contributor', 'copyrightHolder', 'copyrightNotice', 'copyrightYear', 'correction', 'countryOfOrigin', 'creativeWorkStatus',
  'creator', 'creditText', 'dateCreated', 'dateModified', 'datePublished', 'discussionUrl', 'editEIDR', 'editor', 'educationalAlignment', 'educationalLevel',
  'educationalUse', 'encoding', 'encodingFormat', 'exampleOfWork', 'expires', 'funder', 'funding', 'genre', 'hasPart', 'headline', 'inLanguage',
  'interactionStatistic', 'interactivityType', 'interpretedAsClaim', 'isAccessibleForFree', 'isBasedOn', 'isFamilyFriendly', 'isPartOf', 'keywords',
  'learningResourceType', 'license', 'locationCreated', 'mainEntity', 'maintainer', 'material', 'materialExtent', 'mentions', 'offers', 'pattern', 'position',
  'producer', 'provider', 'publication', 'publisher', 'publisherImprint', 'publishingPrinciples', 'recordedAt', 'releasedEvent', 'review', 'schemaVersion',
  'sdDatePublished', 'sdLicense', 'sdPublisher', 'size', 'sourceOrganization', 'spatial', 'spatialCoverage', 'sponsor', 'teaches', 'temporal',
  'temporalCoverage', 'text', 'thumbnail', 'thumbnailUrl', 'timeRequired', 'translationOfWork', 'translator', 'typicalAgeRange', 'usageInfo', 'version',
  'video', 'workExample', 'workTranslation',
];
const ARTICLE = ['articleBody', 'articleSection', 'backstory', 'pageEnd', 'pageStart', 'pagination', 'speakable', 'wordCount'];
const SOCIAL_MEDIA_POSTING = ['sharedContent'];
const BLOG_POSTING_PROPERTIES = new Set(['@type', '@id', ...THING, ...CREATIVE_WORK, ...ARTICLE, ...SOCIAL_MEDIA_POSTING]);
const LIVE_BLOG_POSTING_PROPERTIES = new Set(['@context', ...BLOG_POSTING_PROPERTIES, 'coverageStartTime', 'coverageEndTime', 'liveBlogUpdate']);

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The problems of a document against schema.org's LiveBlogPosting: [] when it is valid. */
function liveBlogPostingProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const isDateTime = (value: unknown) => typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
  const isText = (value: unknown) => typeof value === 'string' && value.trim().length > 0;
  for (const key of Object.keys(doc)) if (!LIVE_BLOG_POSTING_PROPERTIES.has(key)) problems.push(`unknown property ${key}`);
  if (doc['@context'] !== 'https://schema.org') problems.push('@context must be https://schema.org');
  if (doc['@type'] !== 'LiveBlogPosting') problems.push('@type must be LiveBlogPosting');
  if (!isText(doc.headline)) problems.push('headline must be text');
  if (!isDateTime(doc.coverageStartTime)) problems.push('coverageStartTime must be a DateTime');
  if (doc.coverageEndTime !== undefined && !isDateTime(doc.coverageEndTime)) problems.push('coverageEndTime must be a DateTime');
  for (const key of ['datePublished', 'dateModified'] as const) if (doc[key] !== undefined && !isDateTime(doc[key])) problems.push(`${key} must be a DateTime`);
  for (const key of ['url', 'mainEntityOfPage'] as const) if (doc[key] !== undefined && !URL.canParse(String(doc[key]))) problems.push(`${key} must be a URL`);
  if (!Array.isArray(doc.liveBlogUpdate)) return [...problems, 'liveBlogUpdate must be a list'];
  doc.liveBlogUpdate.forEach((update: Record<string, unknown>, i) => {
    for (const key of Object.keys(update)) if (!BLOG_POSTING_PROPERTIES.has(key)) problems.push(`liveBlogUpdate[${i}]: unknown property ${key}`);
    if (update['@type'] !== 'BlogPosting') problems.push(`liveBlogUpdate[${i}]: @type must be BlogPosting`);
    if (!isText(update.headline)) problems.push(`liveBlogUpdate[${i}]: headline must be text`);
    if (!isText(update.articleBody)) problems.push(`liveBlogUpdate[${i}]: articleBody must be text`);
    if (!isDateTime(update.datePublished)) problems.push(`liveBlogUpdate[${i}]: datePublished must be a DateTime`);
    if (update.dateModified !== undefined && !isDateTime(update.dateModified)) problems.push(`liveBlogUpdate[${i}]: dateModified must be a DateTime`);
    if (update.url !== undefined && !URL.canParse(String(update.url))) problems.push(`liveBlogUpdate[${i}]: url must be a URL`);
  });
  return problems;
}

describe('the LiveBlogPosting JSON-LD', () => {
  it('takes no URL from a forged Host header', async () => {
    const html = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${server.url}/live/${demoStory.slug}`, { headers: { host: 'evil.example' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(html).not.toContain('evil.example');
    expect(html).toContain('<link rel="canonical" href="https://live.example.com/live/');
  });

  it('of the demo story validates against schema.org LiveBlogPosting, on the page and in the API alike', async () => {
    const { status, html } = await page(`/live/${demoStory.slug}`);
    expect(status).toBe(200);
    const doc = jsonLdOf(html);
    expect(liveBlogPostingProblems(doc)).toEqual([]);
    expect(doc).toMatchObject({
      '@type': 'LiveBlogPosting',
      headline: demoStory.title,
      description: demoStory.summary,
      inLanguage: 'it',
      coverageStartTime: new Date(demoStory.coverageStartAt).toISOString(),
    });
    // The demo story is live: its coverage has not ended.
    expect(doc.coverageEndTime).toBeUndefined();
    // Every entry of the demo, newest first, each within the coverage.
    const updates = doc.liveBlogUpdate as { headline: string; articleBody: string; datePublished: string; url: string }[];
    const expected = [...demoStory.entries].sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt));
    expect(updates.map((u) => u.headline)).toEqual(expected.map((e) => e.headline));
    expect(updates.map((u) => u.articleBody)).toEqual(expected.map((e) => e.body));
    for (const u of updates) {
      expect(Date.parse(u.datePublished)).toBeGreaterThanOrEqual(Date.parse(doc.coverageStartTime as string));
      expect(Date.parse(u.datePublished)).toBeLessThanOrEqual(Date.parse(doc.dateModified as string));
      // Each update links to its entry on the page.
      const anchor = new URL(u.url).hash.slice(1);
      expect(html).toContain(`id="${anchor}"`);
    }

    // The page embeds the API's field, asked with the page's own URL.
    const field = await postingField(doc.url as string);
    expect(field.errors).toBeUndefined();
    expect(field.data!.story.liveBlogPosting).toEqual(doc);
    expect(doc.url).toBe(`https://live.example.com/live/${demoStory.slug}`);
  });

  it('has no URLs unless given one, and refuses a URL that is not http(s)', async () => {
    const plain = await postingField();
    expect(liveBlogPostingProblems(plain.data!.story.liveBlogPosting)).toEqual([]);
    expect(JSON.stringify(plain.data!.story.liveBlogPosting)).not.toContain('"url"');
    const bad = await postingField('javascript:alert(1)');
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
  });

  it('never shows drafts, nor the text of retracted entries, to anyone', async () => {
    await mutate('createEntry', { story: storyId, headline: 'Bozza segreta', body: 'Testo della bozza.', publish: false });
    const retracted = await mutate('createEntry', { story: storyId, headline: 'Da ritirare', body: 'Testo ritirato.' });
    await mutate('retractEntry', { id: retracted, correctionNote: 'Non confermata.' });
    const editor = { authorization: `Bearer ${await server.token('editor')}` };
    for (const doc of [(await postingField()).data!.story.liveBlogPosting, (await postingField(undefined, editor)).data!.story.liveBlogPosting, jsonLdOf((await page(`/live/${demoStory.slug}`)).html)]) {
      expect(liveBlogPostingProblems(doc)).toEqual([]);
      const text = JSON.stringify(doc);
      expect(text).not.toContain('Bozza segreta');
      expect(text).not.toContain('Testo ritirato.');
      expect(text).not.toContain('Da ritirare');
    }
    // The page shows the tombstone as a withdrawn line, without the text; the draft not at all.
    const { html } = await page(`/live/${demoStory.slug}`);
    expect(html).toContain(`id="${entryAnchor(retracted)}"`);
    // In the story's language (the demo is Italian).
    expect(html).toContain('Aggiornamento ritirato');
    expect(html).not.toContain('Testo ritirato.');
    expect(html).not.toContain('Bozza segreta');
  });

  it('leaves a live story without an end time', async () => {
    const created = await server.edit<{ createStory: { story: { id: string } } }>(
      `mutation { createStory(input: { slug: "in-corso", title: "In corso", language: "it", status: LIVE }) { story { id } } }`,
    );
    await mutate('createEntry', { story: created.data!.createStory.story.id, headline: 'Primo aggiornamento', body: 'Il testo.' });
    const doc = jsonLdOf((await page('/live/in-corso')).html);
    expect(liveBlogPostingProblems(doc)).toEqual([]);
    expect(doc.coverageEndTime).toBeUndefined();
    expect((doc.liveBlogUpdate as unknown[]).length).toBe(1);
  });
});

describe('the pages without JavaScript', () => {
  it('lists the stories, live ones first, with status and last update', async () => {
    await server.edit(`mutation { createStory(input: { slug: "in-pausa", title: "In pausa", language: "it", status: LIVE }) { story { id } } }`);
    const paused = await server.gql<{ story: { id: string } }>(`{ story(slug: "in-pausa") { id } }`);
    await server.edit(`mutation ($id: ID!) { setStoryStatus(input: { id: $id, status: PAUSED }) { story { id } } }`, { id: paused.data!.story.id });
    await server.edit(`mutation { createStory(input: { slug: "bozza", title: "Storia in bozza", language: "it" }) { story { id } } }`);
    const { status, headers, html } = await page('/');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");
    const order = [...html.matchAll(/<li class="story-card" data-status="(\w+)">[\s\S]*?<a href="\/live\/([a-z0-9-]+)">/g)].map((m) => [m[1], m[2]]);
    expect(order.map(([status]) => status)).toEqual([...order.map(([status]) => status)].sort((a, b) => ['live', 'paused', 'ended'].indexOf(a!) - ['live', 'paused', 'ended'].indexOf(b!)));
    expect(order.map(([, slug]) => slug)).toEqual(expect.arrayContaining(['in-corso', 'in-pausa', demoStory.slug]));
    expect(order[0]![0]).toBe('live');
    expect(html).not.toContain('Storia in bozza');
    expect(html).toMatch(/Last update <time datetime="[^"]+">/);
  });

  it('serves older entries as plain pages through the cursor', async () => {
    const first = await page(`/live/${demoStory.slug}`);
    expect(first.html).toMatch(/<script defer src="\/assets\/live-page\.js\?v=[\w-]+"><\/script>/);
    // The demo and this file's entries fit one page: no "older" link to follow.
    expect(first.html).toMatch(/class="older" data-slot="older-line" hidden/);
    const created = await server.edit<{ createStory: { story: { id: string } } }>(
      `mutation { createStory(input: { slug: "molti-aggiornamenti", title: "Molti", language: "it", status: LIVE }) { story { id } } }`,
    );
    const story = created.data!.createStory.story.id;
    for (let i = 1; i <= 23; i++) await mutate('createEntry', { story, headline: `Aggiornamento ${i}`, body: 'Testo.' });
    const top = await page('/live/molti-aggiornamenti');
    expect(top.html.match(/<article /g)).toHaveLength(20);
    const next = /<a href="(\/live\/molti-aggiornamenti\?after=[^"]+)" data-slot="older">/.exec(top.html);
    expect(next).not.toBeNull();
    const older = await page(next![1]!.replace(/&amp;/g, '&'));
    expect(older.status).toBe(200);
    expect([...older.html.matchAll(/class="entry-headline" lang="it">([^<]+)</g)].map((m) => m[1])).toEqual(['Aggiornamento 3', 'Aggiornamento 2', 'Aggiornamento 1']);
    expect((await page('/live/molti-aggiornamenti?after=garbage')).status).toBe(400);
  });

  it('escapes what entries say, in the markup and in the data blocks', async () => {
    const headline = '</script><script>alert(1)</script><b>bold</b>';
    await mutate('createEntry', { story: storyId, headline, body: 'Corpo con <i>tag</i> & "virgolette".' });
    const { html } = await page(`/live/${demoStory.slug}`);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('Corpo con &lt;i&gt;tag&lt;/i&gt; &amp; &quot;virgolette&quot;.');
    // The JSON blocks still parse back to the very text.
    expect((jsonLdOf(html).liveBlogUpdate as { headline: string }[]).some((u) => u.headline === headline)).toBe(true);
  });

  it('answers 404 for a story that does not exist or is a draft, and 405 for other methods', async () => {
    expect((await page('/live/non-esiste')).status).toBe(404);
    expect((await page('/live/bozza')).status).toBe(404);
    expect((await page('/live/Not_A_Slug')).status).toBe(404);
    expect((await fetch(`${server.url}/live/${demoStory.slug}`, { method: 'DELETE' })).status).toBe(405);
  });

  it('serves the stylesheet and the scripts from here, with validators', async () => {
    for (const [path, type] of [['/assets/ticker.css', 'text/css'], ['/assets/live-page.js', 'text/javascript'], ['/embed.js', 'text/javascript']] as const) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      const body = await response.text();
      expect(body.length).toBeLessThan(60_000);
      const etag = response.headers.get('etag')!;
      expect((await fetch(`${server.url}${path}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
  });

  it("links the stylesheet by its versioned URL from the embed too, which may then be cached for a year", async () => {
    const page = await (await fetch(`${server.url}/live/${demoStory.slug}`)).text();
    const versioned = /href="(\/assets\/ticker\.css\?v=[^"]+)"/.exec(page)![1]!;
    const embed = await (await fetch(`${server.url}/embed.js`)).text();
    expect(embed).toContain(versioned);
    expect((await fetch(`${server.url}${versioned}`)).headers.get('cache-control')).toContain('immutable');
  });
});
