import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { databaseKind, createTestDatabase } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';

const counts = `{ stories { edges { node { slug counts { entries quotes people places } } } } people(first: 100) { edges { cursor } } places(first: 100) { edges { cursor } } }`;

describe('the demo story', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'diretta-seed-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('survives a restart on the same database without duplicates', async () => {
    const database = databaseKind === 'pglite' ? { url: undefined, dataDir, drop: async () => {} } : await createTestDatabase();
    try {
      const first = await startTestServer({}, database);
      const before = await first.gql(counts);
      await first.stop();
      const second = await startTestServer({}, database);
      const after = await second.gql(counts);
      await second.stop();
      expect(before.errors).toBeUndefined();
      expect(after.data).toEqual(before.data);
      const stories = (after.data as { stories: { edges: { node: { slug: string } }[] } }).stories.edges;
      expect(stories.map((e) => e.node.slug)).toEqual([demoStory.slug]);
    } finally {
      await database.drop();
    }
  });
});
