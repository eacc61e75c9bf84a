/**
 * Loads the demo story into an empty database. Idempotent: it does nothing
 * when the story's slug exists, and people and places are matched by slug.
 */
import { eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { entries, entryPeople, entryPlaces, people, places, quotes, stories } from '../db/schema.js';
import { searchConfigFor } from '../db/search-config.js';
import { recordRevision } from '../editing/revisions.js';
import { appendEvent, lockStory } from '../live/append-event.js';
import { demoPeople, demoPlaces, demoStory } from './demo-story.js';
import type { SeedPerson, SeedPlace, SeedStory } from './demo-types.js';

export interface SeedResult {
  created: boolean;
  storyId: number;
}

export async function loadDemoStory(db: Db): Promise<SeedResult> {
  return loadStory(db, demoStory, demoPeople, demoPlaces);
}

export async function loadStory(db: Db, story: SeedStory, seedPeople: SeedPerson[], seedPlaces: SeedPlace[]): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: stories.id }).from(stories).where(eq(stories.slug, story.slug));
    if (existing) return { created: false, storyId: existing.id };

    const personIds = await upsertPeople(tx, seedPeople);
    const placeIds = await upsertPlaces(tx, seedPlaces);
    const searchConfig = searchConfigFor(story.language);
    const firstAt = new Date(story.coverageStartAt);
    const [created] = await tx
      .insert(stories)
      .values({
        slug: story.slug,
        title: story.title,
        summary: story.summary,
        language: story.language,
        searchConfig,
        status: story.status,
        coverageStartAt: firstAt,
        coverageEndAt: story.coverageEndAt ? new Date(story.coverageEndAt) : null,
        createdAt: firstAt,
        updatedAt: firstAt,
      })
      .returning({ id: stories.id });
    const storyId = created!.id;
    await lockStory(tx, storyId);

    // Publish in time order, as the newsroom did, so the event log reads like the day.
    const chronological = [...story.entries].sort((a, b) => Date.parse(a.publishedAt) - Date.parse(b.publishedAt));
    for (const entry of chronological) {
      const at = new Date(entry.publishedAt);
      const [row] = await tx
        .insert(entries)
        .values({
          storyId,
          headline: entry.headline,
          body: entry.body,
          status: 'published',
          keyEvent: entry.keyEvent,
          pinned: entry.pinned,
          author: entry.author,
          publishedAt: at,
          createdAt: at,
          updatedAt: at,
          searchConfig,
        })
        .returning();
      const entryId = row!.id;
      await recordRevision(tx, row!, null, null);
      if (entry.people.length) await tx.insert(entryPeople).values(entry.people.map((slug) => ({ entryId, personId: idOf(personIds, slug), createdAt: at })));
      if (entry.places.length) await tx.insert(entryPlaces).values(entry.places.map((slug) => ({ entryId, placeId: idOf(placeIds, slug), createdAt: at })));
      if (entry.quotes.length)
        await tx.insert(quotes).values(
          entry.quotes.map((q) => ({
            entryId,
            speakerId: q.speakerSlug ? idOf(personIds, q.speakerSlug) : null,
            attribution: q.attribution,
            text: q.text,
            language: story.language,
            source: q.source,
            context: q.context,
            createdAt: at,
            updatedAt: at,
          })),
        );
      await appendEvent(tx, { storyId, kind: 'published', entryId, public: true, actor: entry.author, occurredAt: at });
      if (entry.pinned) await appendEvent(tx, { storyId, kind: 'pinned', entryId, public: true, actor: entry.author, occurredAt: at });
    }
    return { created: true, storyId };
  });
}

function idOf(ids: Map<string, number>, slug: string): number {
  const id = ids.get(slug);
  if (id === undefined) throw new Error(`seed: unknown slug ${slug}`);
  return id;
}

async function upsertPeople(tx: Tx, seed: SeedPerson[]): Promise<Map<string, number>> {
  await tx
    .insert(people)
    .values(seed.map((p) => ({ slug: p.slug, name: p.name, aliases: p.aliases, description: p.description, wikidataId: p.wikidataId })))
    .onConflictDoNothing();
  const rows = await tx.select({ id: people.id, slug: people.slug }).from(people).where(inArray(people.slug, seed.map((p) => p.slug)));
  return new Map(rows.map((r) => [r.slug, r.id]));
}

async function upsertPlaces(tx: Tx, seed: SeedPlace[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  // Parents come first in the seed, so each child finds its parent's id.
  for (const p of seed) {
    const parentId = p.parentSlug ? idOf(ids, p.parentSlug) : null;
    await tx
      .insert(places)
      .values({ slug: p.slug, name: p.name, aliases: p.aliases, kind: p.kind, countryCode: p.countryCode, latitude: p.latitude, longitude: p.longitude, parentId, geonamesId: p.geonamesId, wikidataId: p.wikidataId })
      .onConflictDoNothing();
    const [row] = await tx.select({ id: places.id }).from(places).where(eq(places.slug, p.slug));
    ids.set(p.slug, row!.id);
  }
  return ids;
}
