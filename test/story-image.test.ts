/**
 * A story's lead image (issue #27) and the structured data around it: set by
 * editors (validated like an entry's images), shown on the page, given to
 * search engines in the JSON-LD (`image`, falling back to the newest image of
 * a published entry), to feeds (absolute URLs from PUBLIC_URL) and to ninjs;
 * and bylines typed as a Person or, for a desk, an Organization.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseAtomFeed, parseJsonFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

const ORIGIN = 'https://live.example.com';
const lead = { url: 'https://img.example.org/port/lead.jpg', alt: 'The harbour at dawn', caption: 'Il porto all\'alba', credit: 'Reuters/Jane Doe', width: 1600, height: 900 };
const entryImage = { url: 'https://img.example.org/port/crane.jpg', alt: 'A crane on the quay', caption: null, credit: 'Ansa', width: 800, height: 600 };

let server: TestServer;
let storyId: string;

interface ImageObject { '@type': string; url: string; contentUrl: string; description: string; caption?: string; creditText?: string; width?: number; height?: number }
interface Posting {
  image?: ImageObject[];
  author?: { '@type': string; name: string }[];
  liveBlogUpdate: { headline: string; author?: { '@type': string; name: string }; image?: ImageObject[] }[];
}

const createStory = (input: Record<string, unknown>) =>
  server.edit<{ createStory: { story: { id: string; image: typeof lead | null } } }>(
    'mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id image { url alt caption credit width height } } } }',
    { input },
  );
const updateStory = (input: Record<string, unknown>) =>
  server.edit<{ updateStory: { story: { image: typeof lead | null } } }>('mutation ($input: UpdateStoryInput!) { updateStory(input: $input) { story { image { url alt caption credit width height } } } }', { input });
async function createEntry(input: Record<string, unknown>): Promise<string> {
  const res = await server.edit<{ createEntry: { entry: { id: string } } }>('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input });
  expect(res.errors).toBeUndefined();
  return res.data!.createEntry.entry.id;
}
const posting = async (slug: string) => (await server.gql<{ story: { liveBlogPosting: Posting } }>('query ($slug: String!) { story(slug: $slug) { liveBlogPosting } }', { slug })).data!.story.liveBlogPosting;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false', PUBLIC_URL: ORIGIN });
  const created = await createStory({ slug: 'harbour-strike', title: 'Harbour strike', language: 'en', status: 'LIVE', image: lead });
  expect(created.errors).toBeUndefined();
  storyId = created.data!.createStory.story.id;
  await createEntry({ story: storyId, headline: 'Cranes stop', body: 'The quay is silent.', author: 'Redazione Esteri', media: [entryImage] });
  await createEntry({ story: storyId, headline: 'Talks resume', body: 'Unions meet the port authority.', author: 'Anna Rossi' });
});
afterAll(() => server?.stop());

describe('Story.image', () => {
  it('is set by createStory and read back as given', async () => {
    const res = await server.gql<{ story: { image: typeof lead } }>('{ story(slug: "harbour-strike") { image { url alt caption credit width height } } }');
    expect(res.data!.story.image).toEqual(lead);
  });

  it('is validated exactly like an entry\'s images, naming the field', async () => {
    for (const [image, field] of [
      [{ ...lead, url: 'http://img.example.org/a.jpg' }, 'input.image.url'],
      [{ ...lead, url: 'javascript:alert(1)' }, 'input.image.url'],
      [{ ...lead, url: 'https://user:pw@img.example.org/a.jpg' }, 'input.image.url'],
      [{ ...lead, alt: '   ' }, 'input.image.alt'],
      [{ ...lead, caption: 'x'.repeat(501) }, 'input.image.caption'],
      [{ ...lead, width: 0 }, 'input.image.width'],
    ] as const) {
      const res = await createStory({ slug: 'refused-image', title: 'Refused', language: 'en', image });
      expect(res.errors?.[0]?.extensions, JSON.stringify(image)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      const entry = await server.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', {
        input: { story: storyId, headline: 'x', body: 'x', media: [image] },
      });
      expect(entry.errors?.[0]?.extensions?.field).toBe(field.replace('input.image', 'input.media.0'));
    }
    expect((await server.gql('{ story(slug: "refused-image") { id } }')).errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });

  it('is changed by updateStory, removed with null, kept when left out', async () => {
    await createStory({ slug: 'image-edits', title: 'Edits', language: 'en', status: 'LIVE' });
    const id = (await server.gql<{ story: { id: string } }>('{ story(slug: "image-edits") { id } }')).data!.story.id;
    expect((await updateStory({ id, image: { url: lead.url, alt: 'Dawn' } })).data!.updateStory.story.image).toMatchObject({ url: lead.url, alt: 'Dawn', caption: null });
    expect((await updateStory({ id, title: 'Edits, renamed' })).data!.updateStory.story.image).toMatchObject({ alt: 'Dawn' });
    expect((await updateStory({ id, image: null })).data!.updateStory.story.image).toBeNull();
  });

  it('tops the story page, with its credit, and the JSON-LD carries it', async () => {
    const html = await (await fetch(`${server.url}/live/harbour-strike`)).text();
    expect(html).toMatch(/<figure class="lead-image"><img src="https:\/\/img\.example\.org\/port\/lead\.jpg" alt="The harbour at dawn" width="1600" height="900"/);
    expect(html).toContain('Reuters/Jane Doe');
    const jsonLd = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1]!) as Posting;
    expect(jsonLd.image).toEqual([
      { '@type': 'ImageObject', url: lead.url, contentUrl: lead.url, description: lead.alt, caption: lead.caption, creditText: lead.credit, width: 1600, height: 900 },
    ]);
  });
});

describe('the JSON-LD image without a story image', () => {
  it('is the newest image of a published entry, and none before there is one', async () => {
    await createStory({ slug: 'no-lead', title: 'No lead image', language: 'en', status: 'LIVE' });
    const id = (await server.gql<{ story: { id: string } }>('{ story(slug: "no-lead") { id } }')).data!.story.id;
    await createEntry({ story: id, headline: 'Words only', body: 'No picture yet.' });
    expect((await posting('no-lead')).image).toBeUndefined();
    await createEntry({ story: id, headline: 'First picture', body: 'A crane.', media: [entryImage] });
    const newer = { ...entryImage, url: 'https://img.example.org/port/newer.jpg', alt: 'Newer' };
    await createEntry({ story: id, headline: 'Second picture', body: 'Another crane.', media: [newer, entryImage] });
    await createEntry({ story: id, headline: 'A draft picture', body: 'Not public.', media: [{ ...entryImage, url: 'https://img.example.org/draft.jpg' }], publish: false });
    const doc = await posting('no-lead');
    expect(doc.image).toEqual([expect.objectContaining({ url: newer.url, description: 'Newer' })]);
    expect(JSON.stringify(doc)).not.toContain('draft.jpg');
    // A story image, once set, wins.
    await updateStory({ id, image: lead });
    expect((await posting('no-lead')).image![0]!.url).toBe(lead.url);
  });
});

describe('bylines in the JSON-LD', () => {
  it('types a desk as an Organization and a person as a Person, and follows the editor\'s flag', async () => {
    await createStory({ slug: 'bylines', title: 'Bylines', language: 'it', status: 'LIVE' });
    const id = (await server.gql<{ story: { id: string } }>('{ story(slug: "bylines") { id } }')).data!.story.id;
    const desk = await createEntry({ story: id, headline: 'Desk', body: 'x', author: 'Redazione Esteri' });
    await createEntry({ story: id, headline: 'Agency', body: 'x', author: 'Agenzia Nova' });
    await createEntry({ story: id, headline: 'Person', body: 'x', author: 'Anna Rossi' });
    await createEntry({ story: id, headline: 'Flagged desk', body: 'x', author: 'Reuters', bylineKind: 'ORGANIZATION' });
    await createEntry({ story: id, headline: 'Flagged person', body: 'x', author: 'Giulia Desk', bylineKind: 'PERSON' });
    const doc = await posting('bylines');
    const typeOf = (headline: string) => doc.liveBlogUpdate.find((u) => u.headline === headline)!.author!['@type'];
    expect(['Desk', 'Agency', 'Person', 'Flagged desk', 'Flagged person'].map(typeOf)).toEqual(['Organization', 'Organization', 'Person', 'Organization', 'Person']);
    expect(doc.author).toEqual([
      { '@type': 'Person', name: 'Giulia Desk' },
      { '@type': 'Organization', name: 'Reuters' },
      { '@type': 'Person', name: 'Anna Rossi' },
      { '@type': 'Organization', name: 'Agenzia Nova' },
      { '@type': 'Organization', name: 'Redazione Esteri' },
    ]);
    // The API says which, and an editor can turn a guess around (null goes back to guessing).
    const kind = async () => (await server.gql<{ node: { bylineKind: string } }>(`{ node(id: "${desk}") { ... on Entry { bylineKind } } }`)).data!.node.bylineKind;
    expect(await kind()).toBe('ORGANIZATION');
    await server.edit('mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }', { input: { id: desk, bylineKind: 'PERSON' } });
    expect(await kind()).toBe('PERSON');
    expect((await posting('bylines')).liveBlogUpdate.find((u) => u.headline === 'Desk')!.author!['@type']).toBe('Person');
    await server.edit('mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }', { input: { id: desk, bylineKind: null } });
    expect(await kind()).toBe('ORGANIZATION');
  });
});

describe('feeds with PUBLIC_URL', () => {
  it('JSON Feed: absolute URLs, the entry\'s image and the story\'s lead image as its banner', async () => {
    const feed = parseJsonFeed(await (await fetch(`${server.url}/live/harbour-strike/feed.json`)).json());
    expect(feed.home_page_url).toBe(`${ORIGIN}/live/harbour-strike`);
    expect(feed.feed_url).toBe(`${ORIGIN}/live/harbour-strike/feed.json`);
    for (const item of feed.items!) {
      expect(item.url).toMatch(new RegExp(`^${ORIGIN}/live/harbour-strike#entry-`));
      expect(item.banner_image).toBe(lead.url);
    }
    expect(feed.items!.find((i) => i.title === 'Cranes stop')!.image).toBe(entryImage.url);
    expect(feed.items!.find((i) => i.title === 'Talks resume')!.image).toBeUndefined();
    const live = parseJsonFeed(await (await fetch(`${server.url}/feed.json`)).json());
    expect(live.home_page_url).toBe(`${ORIGIN}/`);
    expect(live.items!.every((i) => i.url!.startsWith(`${ORIGIN}/live/`))).toBe(true);
    expect(live.items!.find((i) => i.title === 'Cranes stop')!.banner_image).toBe(lead.url);
  });

  it('Atom: absolute links, the lead image as its logo, an entry\'s images as enclosures', async () => {
    const xml = await (await fetch(`${server.url}/live/harbour-strike/feed.atom`)).text();
    const feed = parseAtomFeed(xml);
    expect(feed.logo).toBe(lead.url);
    expect(feed.links!.map((l) => l.href)).toEqual([`${ORIGIN}/live/harbour-strike`, `${ORIGIN}/live/harbour-strike/feed.atom`]);
    const cranes = feed.entries!.find((e) => JSON.stringify(e.title).includes('Cranes stop'))!;
    expect(cranes.links).toEqual(expect.arrayContaining([expect.objectContaining({ rel: 'enclosure', href: entryImage.url, title: entryImage.alt })]));
  });
});

describe('ninjs', () => {
  const schema = JSON.parse(readFileSync(new URL('../schema/vendor/ninjs-schema_2.1.json', import.meta.url), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'https://geojson.org/schema/GeoJSON.json' });
  const validate = ajv.compile(schema);

  it('gives the lead image as the story\'s first association, a picture, valid against the IPTC schema', async () => {
    const doc = (await (await fetch(`${server.url}/live/harbour-strike/ninjs.json`)).json()) as { associations: Record<string, unknown>[] };
    expect(validate(doc) ? 'valid' : JSON.stringify(validate.errors)).toBe('valid');
    expect(doc.associations[0]).toEqual({
      name: 'lead-image',
      uri: 'urn:diretta:story:harbour-strike:image',
      type: 'picture',
      by: lead.credit,
      descriptions: [
        { role: 'alt', value: lead.alt },
        { role: 'caption', value: lead.caption },
      ],
      renditions: [{ name: 'original', href: lead.url, width: 1600, height: 900 }],
    });
    expect(doc.associations.slice(1).map((a) => a.name)).toEqual(['entry-1', 'entry-2']);
  });
});
