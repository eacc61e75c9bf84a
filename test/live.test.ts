import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
let peskov: string;
let kiev: string;

beforeAll(async () => {
  server = await startTestServer();
  const ids = await server.gql<{ story: { id: string }; person: { id: string }; place: { id: string } }>(
    `{ story(slug: "${demoStory.slug}") { id } person(slug: "dmitrij-peskov") { id } place(slug: "kiev") { id } }`,
  );
  storyId = ids.data!.story.id;
  peskov = ids.data!.person.id;
  kiev = ids.data!.place.id;
});
afterAll(async () => {
  await server?.stop();
});

const follow = `subscription ($story: ID!, $after: String, $filter: StoryEventFilter) {
  storyEvents(story: $story, after: $after, filter: $filter) {
    cursor sequence kind
    entry { id headline body status pinned keyEvent revision correctionNote people { name } places { name } quotes { text speaker { name } } }
  }
}`;
type Event = { storyEvents: { cursor: string; sequence: number; kind: string; entry: { id: string; headline: string; body: string | null; status: string; pinned: boolean; revision: number; correctionNote: string | null; people: { name: string }[]; places: { name: string }[] } | null } };

const publish = (headline: string, extra: Record<string, unknown> = {}) =>
  server.edit<{ createEntry: { entry: { id: string } } }>(
    `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`,
    { input: { story: storyId, headline, body: `${headline}: the text.`, ...extra } },
  );

describe('live delivery over graphql-ws', () => {
  it('delivers an entry published through HTTP, with its people and places', async () => {
    const client = wsClient(server.url);
    const events = collect<Event>(client, follow, { story: storyId });
    await new Promise((r) => setTimeout(r, 300)); // let the subscription register
    const created = await publish('Nuovo attacco su Kiev', { people: [peskov], places: [kiev], quotes: [{ text: 'Nessuna svolta', speaker: peskov, source: 'Tass' }] });
    expect(created.errors).toBeUndefined();
    const [event] = await events.waitFor(1);
    expect(event!.storyEvents.kind).toBe('PUBLISHED');
    expect(event!.storyEvents.entry).toMatchObject({
      id: created.data!.createEntry.entry.id,
      headline: 'Nuovo attacco su Kiev',
      people: [{ name: 'Dmitrij Peskov' }],
      places: [{ name: 'Kiev' }],
      quotes: [{ text: 'Nessuna svolta', speaker: { name: 'Dmitrij Peskov' } }],
    });
    events.stop();
    await client.dispose();
  });

  it('streams edits, pins, key events and retractions in order, and resumes after a cursor', async () => {
    const client = wsClient(server.url);
    const events = collect<Event>(client, follow, { story: storyId });
    await new Promise((r) => setTimeout(r, 300));
    const id = (await publish('Da correggere')).data!.createEntry.entry.id;
    const run = (mutation: string, input: Record<string, unknown>) => server.edit(`mutation ($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { entry { id } } }`, { input });
    expect((await run('updateEntry', { id, body: 'Testo corretto.', correctionNote: 'Corretto il numero dei feriti.', expectedRevision: 1 })).errors).toBeUndefined();
    expect((await run('setKeyEvent', { id, keyEvent: true })).errors).toBeUndefined();
    expect((await run('pinEntry', { id })).errors).toBeUndefined();
    expect((await run('retractEntry', { id, correctionNote: 'Notizia non confermata.' })).errors).toBeUndefined();
    const received = (await events.waitFor(7)).map((e) => e.storyEvents);
    // Pinning unpins the demo's pinned entry; retracting the pinned entry unpins it first.
    expect(received.map((e) => e.kind)).toEqual(['PUBLISHED', 'UPDATED', 'KEY_EVENT_SET', 'UNPINNED', 'PINNED', 'UNPINNED', 'RETRACTED']);
    const sequences = received.map((e) => e.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    const retracted = received.at(-1)!.entry!;
    expect(retracted).toMatchObject({ status: 'RETRACTED', body: null, pinned: false, correctionNote: 'Notizia non confermata.', people: [], quotes: [] });
    events.stop();

    // Resume after the second event: exactly the five that followed, nothing else.
    const resumed = collect<Event>(client, follow, { story: storyId, after: received[1]!.cursor });
    const replayed = (await resumed.waitFor(5)).map((e) => e.storyEvents);
    expect(replayed.map((e) => e.sequence)).toEqual(sequences.slice(2));
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.values).toHaveLength(5);
    resumed.stop();
    await client.dispose();
  });

  it('filters: key events only, or entries mentioning someone', async () => {
    const client = wsClient(server.url);
    const key = collect<Event>(client, follow, { story: storyId, filter: { keyEventsOnly: true } });
    const aboutPeskov = collect<Event>(client, follow, { story: storyId, filter: { mentioning: peskov } });
    await new Promise((r) => setTimeout(r, 300));
    await publish('Ordinaria amministrazione');
    await publish('Svolta nei negoziati', { keyEvent: true });
    await publish('Peskov risponde', { people: [peskov] });
    expect((await key.waitFor(1))[0]!.storyEvents.entry!.headline).toBe('Svolta nei negoziati');
    expect((await aboutPeskov.waitFor(1))[0]!.storyEvents.entry!.headline).toBe('Peskov risponde');
    await new Promise((r) => setTimeout(r, 300));
    expect(key.values).toHaveLength(1);
    expect(aboutPeskov.values).toHaveLength(1);
    await client.dispose();
  });

  it('offers the simple entryPublished stream', async () => {
    const client = wsClient(server.url);
    const entries = collect<{ entryPublished: { headline: string } }>(client, `subscription ($story: ID!) { entryPublished(story: $story) { headline } }`, { story: storyId });
    await new Promise((r) => setTimeout(r, 300));
    await publish('Solo le novità');
    expect((await entries.waitFor(1))[0]!.entryPublished.headline).toBe('Solo le novità');
    await client.dispose();
  });
});
