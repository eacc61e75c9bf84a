/**
 * The linking matcher of this instance (src/linking): built once over the
 * whole catalog of people and places and kept in memory, so that analysing
 * a text is a walk over its words, not a query per word. Any instance's
 * catalog change NOTIFYs CATALOG_CHANNEL; every instance then drops its
 * matcher and builds the next one in the background. A lost LISTEN
 * connection drops it too (changes announced meanwhile were missed). The
 * first one is built as the instance starts listening, so the first publish
 * after a start does not wait a second for it.
 */
import { sql } from 'drizzle-orm';
import type { Database, Db, Tx } from '../db/client.js';
import { people, places } from '../db/schema.js';
import { type Matcher, buildMatcherInSlices } from '../linking/index.js';

export const CATALOG_CHANNEL = 'diretta_catalog';
/** How long after a catalog change the next matcher starts building: a burst of edits costs one build. */
const WARM_DELAY_MS = 200;

/** Tells every instance (this one included) that people or places changed; sent on commit. */
export async function announceCatalogChange(db: Db | Tx): Promise<void> {
  await db.execute(sql`select pg_notify(${CATALOG_CHANNEL}, '')`);
}

export class CatalogMatcher {
  private current: Promise<Matcher> | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  /** Times the matcher was built, for tests and logs. */
  builds = 0;

  constructor(private readonly database: Database) {}

  private warming: ReturnType<typeof setTimeout> | null = null;

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(CATALOG_CHANNEL, { onNotify: () => this.dropAndWarm(), onListen: () => this.dropAndWarm() });
    // The first onListen came before `unlisten` was set, which dropAndWarm takes for "stopped".
    this.dropAndWarm();
  }

  async stop(): Promise<void> {
    if (this.warming) clearTimeout(this.warming);
    this.warming = null;
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
    this.current = null;
  }

  /**
   * After a catalog change, the next matcher is built in the background
   * shortly after (one build for a burst of changes), so that the next
   * publish (which links its entry) rarely waits for it: building over a
   * large catalog takes a second (in slices of 10 ms, between which
   * requests run), reading a text a fraction of a millisecond.
   */
  private dropAndWarm(): void {
    this.drop();
    if (this.warming || !this.unlisten) return;
    this.warming = setTimeout(() => {
      this.warming = null;
      if (this.unlisten) this.matcher().catch(() => {}); // a failed build is retried by the next caller
    }, WARM_DELAY_MS);
    this.warming.unref();
  }

  drop(): void {
    this.current = null;
  }

  matcher(): Promise<Matcher> {
    if (!this.current) {
      const building = this.build();
      this.current = building;
      // A failed build must not stay cached: the next caller tries again.
      building.catch(() => {
        if (this.current === building) this.current = null;
      });
    }
    return this.current;
  }

  private async build(): Promise<Matcher> {
    const { db } = this.database;
    const [persons, locations] = await Promise.all([
      db.select({ id: people.id, name: people.name, aliases: people.aliases }).from(people),
      db.select({ id: places.id, name: places.name, aliases: places.aliases, kind: places.kind }).from(places),
    ]);
    this.builds += 1;
    // In slices: a large catalog takes about a second to read, and requests must not wait for it meanwhile.
    return buildMatcherInSlices({ people: persons, places: locations });
  }
}
