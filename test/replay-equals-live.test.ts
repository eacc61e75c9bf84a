/**
 * A replay from a cursor shows what the live stream showed: the same events
 * for every filter, each with its entry as that event left it, through
 * edits, key-event marks, mention changes, pins and a retraction — and the
 * retracted entry's content does not come back in the replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
let startCursor: string;
let personId: string;
let placeId: string;

interface Seen {
  sequence: number;
  kind: string;
  entry: { id: string; headline: string; body: string | null; keyEvent: boolean; status: string } | null;
}
const follow = `subscription ($story: ID!, $after: String, $filter: StoryEventFilter) {
  storyEvents(story: $story, after: $after, filter: $filter) { sequence kind entry { id headline body keyEvent status } }
}`;

const edit = async <T = Record<string, unknown>>(query: string, input: Record<string, unknown>) => {
  const res = await server.edit<T>(query, { input });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!;
};

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const story = await edit<{ createStory: { story: { id: string; eventCursor: string } } }>(
    `mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id eventCursor } } }`,
    { slug: 'replay', title: 'Replay', language: 'en', status: 'LIVE' },
  );
  storyId = story.createStory.story.id;
  startCursor = story.createStory.story.eventCursor;
  personId = (await edit<{ createPerson: { person: { id: string } } }>(`mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`, { slug: 'ada-north', name: 'Ada North', aliases: [] })).createPerson.person.id;
  placeId = (await edit<{ createPlace: { place: { id: string } } }>(`mutation ($input: CreatePlaceInput!) { createPlace(input: $input) { place { id } } }`, { slug: 'port-elm', name: 'Port Elm', aliases: [], kind: 'CITY' })).createPlace.place.id;
});
afterAll(() => server?.stop());

describe('replay after a cursor', () => {
  it('equals the live stream for every filter, entry state included', async () => {
    const filters: Record<string, Record<string, unknown> | null> = {
      all: null,
      keyEvents: { keyEventsOnly: true },
      person: { mentioning: personId },
      place: { mentioning: placeId },
    };
    const client = wsClient(server.url);
    const live = Object.fromEntries(Object.entries(filters).map(([name, filter]) => [name, collect<{ storyEvents: Seen }>(client, follow, { story: storyId, filter })]));
    await new Promise((r) => setTimeout(r, 300));

    const create = `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`;
    const a = (await edit<{ createEntry: { entry: { id: string } } }>(create, { story: storyId, headline: 'Storm reaches Port Elm', body: 'First report.', places: [placeId] })).createEntry.entry.id;
    const b = (await edit<{ createEntry: { entry: { id: string } } }>(create, { story: storyId, headline: 'Ada North speaks', body: 'She said little.', people: [personId], keyEvent: true })).createEntry.entry.id;
    await edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { id: a, headline: 'Storm floods Port Elm', body: 'Second report.' });
    await edit(`mutation ($input: SetKeyEventInput!) { setKeyEvent(input: $input) { entry { id } } }`, { id: a, keyEvent: true });
    await edit(`mutation ($input: SetKeyEventInput!) { setKeyEvent(input: $input) { entry { id } } }`, { id: b, keyEvent: false });
    await edit(`mutation ($input: UnlinkMentionInput!) { unlinkMention(input: $input) { entry { id } } }`, { entry: b, target: personId });
    await edit(`mutation ($input: LinkMentionInput!) { linkMention(input: $input) { entry { id } } }`, { entry: b, target: placeId });
    await edit(`mutation ($input: PinEntryInput!) { pinEntry(input: $input) { entry { id } } }`, { id: a });
    await edit(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { id: a, correctionNote: 'Wrong town.' });

    const total = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "replay") { eventCursor } }`)).data!;
    expect(total).toBeDefined();
    // Live counts settle: the unfiltered stream has every event.
    await live.all!.waitFor(9);
    await new Promise((r) => setTimeout(r, 500));
    for (const received of Object.values(live)) received.stop();
    await client.dispose();

    const strip = (events: Seen[]) => events.map((e) => ({ sequence: e.sequence, kind: e.kind, headline: e.entry?.headline, keyEvent: e.entry?.keyEvent }));
    for (const [name, filter] of Object.entries(filters)) {
      const liveEvents = live[name]!.values.map((v) => v.storyEvents);
      const replayClient = wsClient(server.url);
      const replayed = collect<{ storyEvents: Seen }>(replayClient, follow, { story: storyId, after: startCursor, filter });
      const replay = (await replayed.waitFor(liveEvents.length)).map((v) => v.storyEvents);
      await new Promise((r) => setTimeout(r, 200));
      expect(replayed.values, `${name}: nothing more than live`).toHaveLength(liveEvents.length);
      replayed.stop();
      await replayClient.dispose();
      // Same events, each with the entry's headline and key-event mark as they were at the event.
      expect(strip(replay), name).toEqual(strip(liveEvents));
      // Nothing the retraction took down comes back: every event of the retracted entry is a tombstone now.
      for (const event of replay.filter((e) => e.entry?.id === a)) expect(event.entry, name).toMatchObject({ status: 'RETRACTED', body: null });
    }
    // The filters did filter, on the state at each event.
    const kinds = (name: string) => live[name]!.values.map((v) => `${v.storyEvents.kind}:${v.storyEvents.entry?.headline}`);
    expect(kinds('person')).toEqual(['PUBLISHED:Ada North speaks', 'KEY_EVENT_CLEARED:Ada North speaks']);
    expect(kinds('keyEvents').length).toBeGreaterThan(0);
  });
});

describe('editorial rules', () => {
  const create = `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`;

  it('retracting the pinned entry unpins it first, with an event for each', async () => {
    const entry = (await edit<{ createEntry: { entry: { id: string } } }>(create, { story: storyId, headline: 'Pinned then wrong', body: 'Text.' })).createEntry.entry.id;
    await edit(`mutation ($input: PinEntryInput!) { pinEntry(input: $input) { entry { id } } }`, { id: entry });
    const before = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "replay") { eventCursor } }`)).data!.story.eventCursor;
    await edit(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { id: entry });
    const client = wsClient(server.url);
    const events = await collect<{ storyEvents: Seen }>(client, follow, { story: storyId, after: before }).waitFor(2);
    await client.dispose();
    expect(events.map((e) => e.storyEvents.kind)).toEqual(['UNPINNED', 'RETRACTED']);
    const story = await server.gql<{ story: { pinnedEntry: unknown } }>(`{ story(slug: "replay") { pinnedEntry { id } } }`);
    expect(story.data!.story.pinnedEntry).toBeNull();
  });

  it('lists as key events only what it counts as key events (no tombstones)', async () => {
    const res = await server.gql<{ story: { counts: { keyEvents: number }; entries: { edges: { node: { status: string } }[] } } }>(
      `{ story(slug: "replay") { counts { keyEvents } entries(first: 100, keyEventsOnly: true) { edges { node { status } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.story.entries.edges.map((e) => e.node.status)).not.toContain('RETRACTED');
    expect(res.data!.story.entries.edges).toHaveLength(res.data!.story.counts.keyEvents);
  });
});
