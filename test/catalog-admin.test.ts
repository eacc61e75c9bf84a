/** Admin-only deletion of people and places that nothing refers to. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
let admin: Record<string, string>;

const call = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection: string, headers?: Record<string, string>) => {
  const query = `mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`;
  const res = headers ? await server.gql<Record<string, T>>(query, { input }, headers) : await server.edit<Record<string, T>>(query, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors };
};
const exists = async (id: string) => (await server.gql<{ node: unknown }>(`query ($id: ID!) { node(id: $id) { id } }`, { id })).data!.node !== null;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  admin = { authorization: `Bearer ${await server.token('admin')}` };
});
afterAll(async () => {
  await server?.stop();
});

describe('deleting people and places', () => {
  it('deletes an unlinked person, refuses a linked one with its links, and only for admins', async () => {
    const lone = (await call<{ person: { id: string } }>('createPerson', { slug: 'nessuno', name: 'Nessuno' }, 'person { id }')).data!.person.id;
    const linked = (await call<{ person: { id: string } }>('createPerson', { slug: 'qualcuno', name: 'Qualcuno' }, 'person { id }')).data!.person.id;
    const story = (await call<{ story: { id: string } }>('createStory', { slug: 'catalogo', title: 'Catalogo', language: 'it', status: 'LIVE' }, 'story { id }')).data!.story.id;
    await call('createEntry', { story, headline: 'Parla Qualcuno', body: 'Testo.', people: [linked], quotes: [{ text: 'Una frase', speaker: linked }] }, 'entry { id }');

    expect((await call('deletePerson', { id: lone }, 'deletedId')).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const refused = await call('deletePerson', { id: linked }, 'deletedId', admin);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id', links: { mentions: 1, quotes: 1 } });
    expect(await exists(linked)).toBe(true);

    const deleted = await call<{ deletedId: string; name: string }>('deletePerson', { id: lone }, 'deletedId name', admin);
    expect(deleted.data).toEqual({ deletedId: lone, name: 'Nessuno' });
    expect(await exists(lone)).toBe(false);
    expect((await call('deletePerson', { id: lone }, 'deletedId', admin)).errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.id' });
    expect((await call('deletePerson', { id: story }, 'deletedId', admin)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
  });

  it('refuses a place with places inside it, then deletes both leaf first', async () => {
    const region = (await call<{ place: { id: string } }>('createPlace', { slug: 'regione-x', name: 'Regione X', kind: 'REGION' }, 'place { id }')).data!.place.id;
    const town = (await call<{ place: { id: string } }>('createPlace', { slug: 'paese-x', name: 'Paese X', kind: 'VILLAGE', parent: region }, 'place { id }')).data!.place.id;
    expect((await call('deletePlace', { id: region }, 'deletedId', admin)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', links: { 'places inside it': 1 } });
    expect((await call('deletePlace', { id: town }, 'deletedId', admin)).errors).toBeUndefined();
    expect((await call('deletePlace', { id: region }, 'deletedId', admin)).errors).toBeUndefined();
    expect(await exists(region)).toBe(false);
  });
});
