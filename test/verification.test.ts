/**
 * Entry.verification and Entry.sources: validated changes, one
 * VERIFICATION_CHANGED event per real change (live and in a replay, each with
 * the entry as it then was), and a page badge that flips while a reader
 * watches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
let startCursor: string;
let entryId: string;

type Err = { message: string; extensions: { code: string; field?: string; problems?: { field: string }[] } };
const m = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection = 'entry { verification sources { outlet url via } }') => {
  const res = await server.edit<Record<string, T>>(`mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors as Err[] | undefined };
};
type Event = { storyEvents: { kind: string; entry: { headline: string; verification: string; sources: { outlet: string; via: string | null }[] } | null } };
const follow = `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { headline verification sources { outlet via } } } }`;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const story = await m<{ story: { id: string; eventCursor: string } }>('createStory', { slug: 'verifiche', title: 'Verifiche', language: 'it', status: 'LIVE' }, 'story { id eventCursor }');
  storyId = story.data!.story.id;
  startCursor = story.data!.story.eventCursor;
  entryId = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Droni su Budyonnovsk', body: 'Colpito il petrolchimico.' }, 'entry { id }')).data!.entry.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('verification', () => {
  it('validates every field and names it', async () => {
    const bad = await m('setVerification', {
      id: entryId,
      verification: 'CONFIRMED',
      sources: [{ outlet: '  ', url: 'javascript:alert(1)' }, { outlet: 'Tass', url: 'ftp://tass.ru/x' }],
    });
    expect(bad.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions.problems!.map((p) => p.field).sort()).toEqual(['input.sources.0.outlet', 'input.sources.0.url', 'input.sources.1.url']);
    const many = await m('setVerification', { id: entryId, verification: 'CONFIRMED', sources: Array.from({ length: 21 }, () => ({ outlet: 'Tass' })) });
    expect(many.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.sources' });
    const enumValue = await m('setVerification', { id: entryId, verification: 'MAYBE' });
    expect(enumValue.errors).toBeDefined();
    const wrongId = await m('setVerification', { id: storyId, verification: 'CONFIRMED' });
    expect(wrongId.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
    const reader = await server.gql(`mutation { setVerification(input: { id: "${entryId}", verification: CONFIRMED }) { entry { id } } }`);
    expect(reader.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('sends tickers one event per change, live and in a replay alike', async () => {
    const client = wsClient(server.url);
    try {
      // From the story's current cursor: the stream starts exactly there, whenever the subscription lands.
      const now = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "verifiche") { eventCursor } }`)).data!.story.eventCursor;
      const live = collect<Event>(client, follow, { story: storyId, after: now });
      const disputed = await m('setVerification', { id: entryId, verification: 'DISPUTED', sources: [{ outlet: 'Tass', via: 'Ministero della Difesa', url: 'https://tass.ru/1' }] });
      expect(disputed.errors).toBeUndefined();
      expect(disputed.data).toEqual({ entry: { verification: 'DISPUTED', sources: [{ outlet: 'Tass', url: 'https://tass.ru/1', via: 'Ministero della Difesa' }] } });
      // The same again changes nothing and sends nothing.
      expect((await m('setVerification', { id: entryId, verification: 'DISPUTED' })).errors).toBeUndefined();
      await m('setVerification', { id: entryId, verification: 'CONFIRMED', sources: [] });
      const seen = await live.waitFor(2);
      live.stop();
      const replay = collect<Event>(client, follow, { story: storyId, after: startCursor });
      const replayed = await replay.waitFor(3);
      replay.stop();
      const shape = (e: Event) => [e.storyEvents.kind, e.storyEvents.entry!.verification, e.storyEvents.entry!.sources.map((s) => s.outlet)];
      expect(seen.map(shape)).toEqual([
        ['VERIFICATION_CHANGED', 'DISPUTED', ['Tass']],
        ['VERIFICATION_CHANGED', 'CONFIRMED', []],
      ]);
      expect(replayed.map(shape)).toEqual([['PUBLISHED', 'UNVERIFIED', []], ...seen.map(shape)]);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a retracted entry and hides its sources from readers', async () => {
    const id = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Da ritirare', body: 'Testo.' }, 'entry { id }')).data!.entry.id;
    await m('setVerification', { id, verification: 'DISPUTED', sources: [{ outlet: 'Telegram' }] });
    await m('retractEntry', { id }, 'entry { id }');
    expect((await m('setVerification', { id, verification: 'CONFIRMED' })).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
    const read = await server.gql<{ node: { sources: unknown[] } }>(`query ($id: ID!) { node(id: $id) { ... on Entry { sources { outlet } } } }`, { id });
    expect(read.data!.node.sources).toEqual([]);
  });

  it('shows the badge on the page, and flips it live', async () => {
    await m('setVerification', { id: entryId, verification: 'DISPUTED' });
    const html = await (await fetch(`${server.url}/live/verifiche`)).text();
    expect(html).toContain('data-verification="disputed"');
    if (databaseKind !== 'pglite' || browserUnavailable()) return; // the browser half runs once, on PGlite, where Chromium is
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/live/verifiche`);
      await page.waitForSelector('[data-connection="live"]', { timeout: 10_000 });
      await m('setVerification', { id: entryId, verification: 'CONFIRMED' });
      await page.waitForSelector('[data-verification="confirmed"]', { timeout: 5_000 });
      expect(await page.locator('[data-verification="disputed"]').count()).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
