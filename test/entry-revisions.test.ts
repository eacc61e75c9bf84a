/**
 * Entry.revisions: every edit keeps its own correction note, readers see the
 * history published entries went public with, the JSON-LD carries schema.org
 * `correction`, the page marks corrected entries, and a replayed event lists
 * the history as it was then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
let startCursor: string;

interface Revision {
  revision: number;
  by: string | null;
  editor: string | null;
  correctionNote: string | null;
  headline: string;
  body: string;
  revisedAt: string;
}
type Conn<T> = { edges: { cursor: string; node: T }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const edit = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection: string) => {
  const res = await server.edit<Record<string, T>>(`mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data![name]!;
};
const revisionFields = 'revision by editor correctionNote headline body revisedAt';
const revisionsOf = async (id: string, asEditor: boolean, args = '') => {
  const query = `query ($id: ID!) { node(id: $id) { ... on Entry { revisions${args} { edges { cursor node { ${revisionFields} } } pageInfo { hasNextPage endCursor } } } } }`;
  const res = asEditor ? await server.edit<{ node: { revisions: Conn<Revision> } | null }>(query, { id }) : await server.gql<{ node: { revisions: Conn<Revision> } | null }>(query, { id });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.node?.revisions ?? null;
};

let corrected: string;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const story = await edit<{ story: { id: string; eventCursor: string } }>('createStory', { slug: 'storia-rivista', title: 'Storia rivista', language: 'it', status: 'LIVE' }, 'story { id eventCursor }');
  storyId = story.story.id;
  startCursor = story.story.eventCursor;
  corrected = (await edit<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Esplosioni a Kiev', body: 'Tre esplosioni nel centro.', author: 'Anna Rossi' }, 'entry { id }')).entry.id;
  await edit('updateEntry', { id: corrected, body: 'Due esplosioni nel centro.', correctionNote: 'Le esplosioni erano due, non tre.' }, 'entry { revision }');
  await edit('updateEntry', { id: corrected, headline: 'Esplosioni nel centro di Kiev' }, 'entry { revision }');
  await edit('updateEntry', { id: corrected, body: 'Due esplosioni nel centro, nessun ferito.', correctionNote: 'Aggiunto: nessun ferito.', author: 'Redazione' }, 'entry { revision }');
});
afterAll(async () => {
  await server?.stop();
});

describe('Entry.revisions', () => {
  it('keeps every revision with its own note, newest first, as it was', async () => {
    const revisions = (await revisionsOf(corrected, false))!.edges.map((e) => e.node);
    expect(revisions.map((r) => [r.revision, r.correctionNote])).toEqual([
      [4, 'Aggiunto: nessun ferito.'],
      [3, null],
      [2, 'Le esplosioni erano due, non tre.'],
      [1, null],
    ]);
    expect(revisions[3]).toMatchObject({ headline: 'Esplosioni a Kiev', body: 'Tre esplosioni nel centro.', by: 'Anna Rossi', editor: null });
    expect(revisions[2]).toMatchObject({ headline: 'Esplosioni a Kiev', body: 'Due esplosioni nel centro.' });
    expect(revisions[1]).toMatchObject({ headline: 'Esplosioni nel centro di Kiev', body: 'Due esplosioni nel centro.' });
    expect(revisions[0]).toMatchObject({ by: 'Redazione', editor: null });
    for (let i = 1; i < revisions.length; i++) expect(Date.parse(revisions[i - 1]!.revisedAt)).toBeGreaterThanOrEqual(Date.parse(revisions[i]!.revisedAt));
    // The account behind a revision is for editors only.
    const forEditors = (await revisionsOf(corrected, true))!.edges.map((e) => e.node);
    expect(forEditors.every((r) => r.editor === 'test-editor')).toBe(true);
  });

  it('pages through revisions and lists corrections only when asked', async () => {
    const first = (await revisionsOf(corrected, false, '(first: 3)'))!;
    expect(first.edges.map((e) => e.node.revision)).toEqual([4, 3, 2]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await revisionsOf(corrected, false, `(first: 3, after: "${first.pageInfo.endCursor}")`))!;
    expect(rest.edges.map((e) => e.node.revision)).toEqual([1]);
    const notes = (await revisionsOf(corrected, false, '(correctionsOnly: true)'))!;
    expect(notes.edges.map((e) => e.node.revision)).toEqual([4, 2]);
    const bad = await server.gql(`query ($id: ID!) { node(id: $id) { ... on Entry { revisions(first: 101) { edges { cursor } } } } }`, { id: corrected });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('shows readers only what was public: not a draft\'s history, not a retracted entry\'s', async () => {
    const draft = (await edit<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Bozza', body: 'Prima stesura.', publish: false }, 'entry { id }')).entry.id;
    await edit('updateEntry', { id: draft, body: 'Seconda stesura.', correctionNote: 'Nota interna alla bozza.' }, 'entry { revision }');
    expect(await revisionsOf(draft, false)).toBeNull(); // readers cannot see the draft at all
    expect((await revisionsOf(draft, true))!.edges).toHaveLength(2);
    await edit('publishEntry', { id: draft }, 'entry { id }');
    const published = (await revisionsOf(draft, false))!.edges.map((e) => e.node);
    expect(published.map((r) => [r.revision, r.body])).toEqual([[2, 'Seconda stesura.']]);

    const withdrawn = (await edit<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Da ritirare', body: 'Notizia non verificata.' }, 'entry { id }')).entry.id;
    await edit('updateEntry', { id: withdrawn, body: 'Notizia ancora non verificata.', correctionNote: 'Precisazione.' }, 'entry { revision }');
    await edit('retractEntry', { id: withdrawn, correctionNote: 'Ritirata: fonte non attendibile.' }, 'entry { revision }');
    expect((await revisionsOf(withdrawn, false))!.edges).toEqual([]);
    const history = (await revisionsOf(withdrawn, true))!.edges.map((e) => e.node);
    expect(history.map((r) => [r.revision, r.correctionNote])).toEqual([
      [3, 'Ritirata: fonte non attendibile.'],
      [2, 'Precisazione.'],
      [1, null],
    ]);
  });

  it('carries every published correction into the JSON-LD and onto the page', async () => {
    const res = await server.gql<{ story: { liveBlogPosting: { liveBlogUpdate: { headline: string; correction?: { '@type': string; text: string; datePublished: string }[] }[] } } }>(
      `{ story(slug: "storia-rivista") { liveBlogPosting } }`,
    );
    const updates = res.data!.story.liveBlogPosting.liveBlogUpdate;
    const update = updates.find((u) => u.headline === 'Esplosioni nel centro di Kiev')!;
    expect(update.correction!.map((c) => [c['@type'], c.text])).toEqual([
      ['CorrectionComment', 'Le esplosioni erano due, non tre.'],
      ['CorrectionComment', 'Aggiunto: nessun ferito.'],
    ]);
    // The draft's internal note was never published.
    expect(JSON.stringify(updates)).not.toContain('Nota interna');
    expect(updates.find((u) => u.headline === 'Bozza')!.correction).toBeUndefined();

    const html = await (await fetch(`${server.url}/live/storia-rivista`)).text();
    expect(html).toContain('entry-corrected');
    expect(html).toContain('Le esplosioni erano due, non tre.');
    expect(html).toContain('Aggiunto: nessun ferito.');
    expect(html).not.toContain('Nota interna');
  });

  it('lists in a replayed event the history the entry had at that event', async () => {
    const client = wsClient(server.url);
    try {
      const replay = collect<{ storyEvents: { kind: string; entry: { revision: number; revisions: { edges: { node: { revision: number } }[] } } | null } }>(
        client,
        `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { revision revisions { edges { node { revision } } } } } }`,
        { story: storyId, after: startCursor },
      );
      const events = await replay.waitFor(4);
      replay.stop();
      expect(events.map((e) => [e.storyEvents.kind, e.storyEvents.entry!.revisions.edges.map((r) => r.node.revision)])).toEqual([
        ['PUBLISHED', [1]],
        ['UPDATED', [2, 1]],
        ['UPDATED', [3, 2, 1]],
        ['UPDATED', [4, 3, 2, 1]],
      ]);
    } finally {
      await client.dispose();
    }
  });
});
