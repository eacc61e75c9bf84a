/**
 * ninjs 2.1: Entry.ninjs, Story.ninjs and /live/<slug>/ninjs.json, each
 * validated against the official IPTC schema (schema/vendor/, from the
 * iptc/newsinjson repository) by Ajv — a validator that rejects a document
 * that breaks it, as the control case shows.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

const schema = JSON.parse(readFileSync(new URL('../schema/vendor/ninjs-schema_2.1.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
// The schema refers to GeoJSON for places' `geojson`, which Diretta never writes: any value will do here.
ajv.addSchema({ $id: 'https://geojson.org/schema/GeoJSON.json' });
const validate = ajv.compile(schema);
const valid = (doc: unknown) => {
  const ok = validate(doc);
  return ok ? 'valid' : JSON.stringify(validate.errors);
};

type Doc = Record<string, unknown> & { people?: { name: string; uri?: string }[]; places?: { name: string; uri?: string }[] };
let server: TestServer;
let storyId: string;
const entry: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false', PUBLISHER_NAME: 'Gazzetta di Prova', PUBLISHER_URL: 'https://news.example.org' });
  const one = async <T>(query: string, variables: Record<string, unknown>) => {
    const res = await server.edit<Record<string, T>>(query, variables);
    expect(res.errors).toBeUndefined();
    return Object.values(res.data!)[0]!;
  };
  storyId = (await one<{ story: { id: string } }>(`mutation { createStory(input: { slug: "porto-alluvione", title: "Alluvione al porto", summary: "Cronaca in diretta", language: "it", status: LIVE }) { story { id } } }`, {})).story.id;
  const person = (await one<{ person: { id: string } }>(`mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`, { input: { slug: 'anna-verdi', name: 'Anna Verdi', wikidataId: 'Q4115189' } })).person.id;
  const place = (await one<{ place: { id: string } }>(`mutation ($input: CreatePlaceInput!) { createPlace(input: $input) { place { id } } }`, { input: { slug: 'genova', name: 'Genova', kind: 'CITY', geonamesId: 3176219, wikidataId: 'Q1449' } })).place.id;
  const other = (await one<{ place: { id: string } }>(`mutation ($input: CreatePlaceInput!) { createPlace(input: $input) { place { id } } }`, { input: { slug: 'molo-vecchio', name: 'Molo Vecchio', kind: 'SITE', wikidataId: 'Q3859412' } })).place.id;
  const create = async (key: string, input: Record<string, unknown>) => {
    entry[key] = (await one<{ entry: { id: string } }>(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, ...input } })).entry.id;
  };
  await create('mentions', {
    headline: 'Il sindaco al porto',
    body: 'Anna Verdi visita il Molo Vecchio di Genova.',
    author: 'Redazione',
    people: [person],
    places: [place, other],
    media: [{ url: 'https://images.example.org/molo.jpg', alt: 'Il Molo Vecchio allagato', caption: 'Il molo alle 9', credit: 'Foto Redazione', width: 1200, height: 800 }],
  });
  await create('retracted', { headline: 'Crollo smentito', body: 'Testo che non deve uscire.' });
  await create('draft', { headline: 'Bozza', body: 'Non ancora pubblicata.', publish: false });
  await one(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id: entry.mentions, body: 'Anna Verdi visita il Molo Vecchio di Genova alle 10.', correctionNote: 'Aggiunta l\'ora.' } });
  await one(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { input: { id: entry.retracted, correctionNote: 'Notizia non confermata.' } });
});
afterAll(() => server?.stop());

const entryNinjs = async (id: string, asEditor = false) => {
  const query = `query ($id: ID!) { node(id: $id) { ... on Entry { ninjs } } }`;
  const res = asEditor ? await server.edit<{ node: { ninjs: Doc } }>(query, { id }) : await server.gql<{ node: { ninjs: Doc } }>(query, { id });
  expect(res.errors).toBeUndefined();
  return res.data!.node.ninjs;
};

describe('ninjs 2.1', () => {
  it('the validator refuses what the schema forbids (control)', () => {
    expect(valid({ uri: 'urn:x:1', pubstatus: 'deleted' })).not.toBe('valid');
    expect(valid({ headlines: [{ value: 'no uri' }] })).not.toBe('valid');
    expect(valid({ uri: 'urn:x:1', unknownProperty: true })).not.toBe('valid');
    expect(valid({ uri: 'urn:x:1', versioncreated: 'yesterday' })).not.toBe('valid');
  });

  it('Entry.ninjs: a valid text item with its revision, times, byline, correction, people and places with their URIs', async () => {
    const doc = await entryNinjs(entry.mentions!);
    expect(valid(doc)).toBe('valid');
    expect(doc).toMatchObject({
      uri: `urn:diretta:entry:${entry.mentions}`,
      type: 'text',
      version: '2',
      pubstatus: 'usable',
      language: 'it',
      headlines: [{ role: 'main', value: 'Il sindaco al porto' }],
      bodies: [{ value: 'Anna Verdi visita il Molo Vecchio di Genova alle 10.', contenttype: 'text/plain', wordcount: 10 }],
      descriptions: [{ role: 'correction', value: 'Aggiunta l\'ora.' }],
      by: 'Redazione',
      people: [{ name: 'Anna Verdi', uri: 'http://www.wikidata.org/entity/Q4115189' }],
      infosources: [{ name: 'Gazzetta di Prova', uri: 'https://news.example.org' }],
    });
    expect(doc.places).toEqual([
      expect.objectContaining({ name: 'Genova', uri: 'https://sws.geonames.org/3176219/' }),
      expect.objectContaining({ name: 'Molo Vecchio', uri: 'http://www.wikidata.org/entity/Q3859412' }),
    ]);
    expect(Date.parse(doc.versioncreated as string)).toBeGreaterThanOrEqual(Date.parse(doc.firstcreated as string));
    expect(doc.associations).toEqual([
      {
        name: 'image-1',
        uri: `urn:diretta:entry:${entry.mentions}:image:1`,
        type: 'picture',
        by: 'Foto Redazione',
        descriptions: [{ role: 'alt', value: 'Il Molo Vecchio allagato' }, { role: 'caption', value: 'Il molo alle 9' }],
        renditions: [{ name: 'original', href: 'https://images.example.org/molo.jpg', width: 1200, height: 800 }],
      },
    ]);
  });

  it('a retraction is canceled, without its text; a draft (editors only) is withheld', async () => {
    const retracted = await entryNinjs(entry.retracted!);
    expect(valid(retracted)).toBe('valid');
    expect(retracted).toMatchObject({ pubstatus: 'canceled', version: '2', headlines: [{ value: 'Crollo smentito' }], descriptions: [{ value: 'Notizia non confermata.' }] });
    expect(retracted.bodies).toBeUndefined();
    expect(JSON.stringify(retracted)).not.toContain('non deve uscire');
    const draft = await entryNinjs(entry.draft!, true);
    expect(valid(draft)).toBe('valid');
    expect(draft.pubstatus).toBe('withheld');
  });

  it('Story.ninjs and /live/<slug>/ninjs.json: a valid composite item with its entries as associations', async () => {
    const res = await server.gql<{ story: { ninjs: Doc } }>(`{ story(slug: "porto-alluvione") { ninjs } }`);
    const doc = res.data!.story.ninjs;
    expect(valid(doc)).toBe('valid');
    expect(doc).toMatchObject({ uri: 'urn:diretta:story:porto-alluvione', type: 'composite', pubstatus: 'usable', language: 'it', headlines: [{ value: 'Alluvione al porto' }], descriptions: [{ value: 'Cronaca in diretta' }] });
    const associations = doc.associations as Doc[];
    // Readers see the published entry and the tombstone, not the draft.
    expect(associations.map((a) => a.pubstatus)).toEqual(['canceled', 'usable']);
    expect(doc.people!.map((p) => p.uri)).toEqual(['http://www.wikidata.org/entity/Q4115189']);
    expect(doc.places!.map((p) => p.name).sort()).toEqual(['Genova', 'Molo Vecchio']);

    const http = await fetch(`${server.url}/live/porto-alluvione/ninjs.json`);
    expect(http.status).toBe(200);
    expect(http.headers.get('content-type')).toContain('application/json');
    const body = (await http.json()) as Doc;
    expect(valid(body)).toBe('valid');
    expect(body).toEqual(doc);
    expect((await fetch(`${server.url}/live/porto-alluvione/ninjs.json`, { headers: { 'if-none-match': http.headers.get('etag')! } })).status).toBe(304);
    expect((await fetch(`${server.url}/live/no-such-story/ninjs.json`)).status).toBe(404);
  });
});
