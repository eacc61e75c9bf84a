import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
let storyId: string;

type Err = { message: string; extensions: { code: string; field?: string; story?: string } };
const m = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection = '__typename') => {
  const res = await server.edit<Record<string, T>>(`mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors as Err[] | undefined };
};
const setStatus = async (status: string) => expect((await m('setStoryStatus', { id: storyId, status })).errors).toBeUndefined();

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const res = await m<{ story: { id: string } }>('createStory', { slug: 'ciclo-di-vita', title: 'Ciclo di vita', language: 'it', status: 'LIVE' }, 'story { id }');
  storyId = res.data!.story.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('story lifecycle', () => {
  it('an ENDED story refuses new entries, naming the story, until it is live again', async () => {
    const draft = await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Bozza', body: 'Scritta prima della fine.', publish: false }, 'entry { id }');
    const early = await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Prima', body: 'Prima della fine.', idempotencyKey: 'k-early' }, 'entry { id }');
    await setStatus('ENDED');

    const refused = await m('createEntry', { story: storyId, headline: 'Dopo', body: 'Dopo la fine.' });
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.story', story: 'ciclo-di-vita' });
    expect(refused.errors![0]!.message).toMatch(/ciclo-di-vita.*ended/);
    const asDraft = await m('createEntry', { story: storyId, headline: 'Dopo', body: 'Dopo la fine.', publish: false });
    expect(asDraft.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.story' });
    // Publishing an old draft would be a new entry too.
    const publish = await m('publishEntry', { id: draft.data!.entry.id });
    expect(publish.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id', story: 'ciclo-di-vita' });
    // A retry of a request that succeeded before the end gets its entry, not an error.
    const retry = await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Prima', body: 'Prima della fine.', idempotencyKey: 'k-early' }, 'entry { id }');
    expect(retry.data!.entry.id).toBe(early.data!.entry.id);

    const count = await server.gql<{ story: { counts: { entries: number } } }>(`{ story(slug: "ciclo-di-vita") { counts { entries } } }`);
    expect(count.data!.story.counts.entries).toBe(1);

    await setStatus('LIVE');
    const after = await m<{ entry: { status: string } }>('createEntry', { story: storyId, headline: 'Riaperta', body: 'Di nuovo in diretta.' }, 'entry { status }');
    expect(after.errors).toBeUndefined();
    expect(after.data!.entry.status).toBe('PUBLISHED');
    expect((await m('publishEntry', { id: draft.data!.entry.id })).errors).toBeUndefined();
  });

  it('a PAUSED story still takes entries, and its page says it is paused, not live', async () => {
    await setStatus('PAUSED');
    expect((await m('createEntry', { story: storyId, headline: 'In pausa', body: 'Una nota durante la pausa.' })).errors).toBeUndefined();
    const html = await (await fetch(`${server.url}/live/ciclo-di-vita`)).text();
    expect(html).toContain('data-status="paused"');
    expect(html).toContain('Diretta sospesa'); // the story is Italian: its page speaks Italian
    expect(html).not.toContain('Diretta in corso');
    await setStatus('LIVE');
    const live = await (await fetch(`${server.url}/live/ciclo-di-vita`)).text();
    expect(live).toContain('Diretta in corso');
  });
});
