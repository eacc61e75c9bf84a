/**
 * Benchmark data: `npm run bench:data -- --scale N` fills the PostgreSQL
 * database of DATABASE_URL (created when missing) with a deterministic,
 * realistic data set. At scale 1: 50 stories × 400 entries, 5,000 people,
 * 2,000 places, 40,000 quotes (2 per entry), 3 mentions per entry (2 people,
 * 1 place), and the event log that publishing those entries would have left
 * (one `published` event per entry, stories.last_event_seq and
 * last_public_seq in step).
 *
 * Each story has a recurring cast drawn from the whole catalogue with a
 * skew, as real coverage does: a few people are in every story, most in one.
 * Rows go in as JSON batches (one parameter per few thousand rows, expanded
 * by json_populate_recordset), with explicit ids so that the links between
 * them need no round trip.
 *
 * The database must be empty or hold an earlier benchmark data set (which is
 * replaced); anything else is refused unless --force.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { searchConfigFor } from '../src/db/search-config.js';
import { authors, countryCodes, firstNames, lastNames, roles, sources, words } from './vocabulary.js';

const BENCH_SLUG_PREFIX = 'bench-';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    force: { type: 'boolean', default: false },
  },
});
const scale = Number(values.scale);
if (!Number.isFinite(scale) || scale <= 0 || scale > 20) throw new Error('--scale takes a number above 0 (1 is the default volume, at most 20)');
const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/diretta_bench');

const volumes = (s: number) => ({
  stories: Math.max(2, Math.round(50 * s)),
  entriesPerStory: Math.max(20, Math.round(400 * Math.min(1, s))),
  people: Math.max(60, Math.round(5000 * s)),
  places: Math.max(30, Math.round(2000 * s)),
});
const v = volumes(scale);
const started = performance.now();
const log = (message: string) => console.log(`[bench:data ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);

// Deterministic: the same scale gives the same rows on every machine.
let seed = 0x5eed_2025;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
/** Skewed towards the start of the list: a few items are common, most are rare. */
const skewed = <T>(list: readonly T[]): T => list[Math.floor(list.length * random() ** 2.2)]!;

function sentence(language: string, n: number): string {
  const vocabulary = words[language] ?? words.en!;
  const text = Array.from({ length: n }, () => skewed(vocabulary)).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
const slugify = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

await ensureDatabase(url);
{
  const database = await openDatabase({ url, dataDir: 'memory://', log: pino({ level: 'silent' }) });
  await migrateDatabase(database);
  await database.close();
  log('migrations applied');
}

const sql = postgres(url, { max: 4, onnotice: () => {}, connection: { application_name: 'diretta-bench-data' } });
try {
  const [{ others }] = (await sql`select count(*)::int as others from stories where slug not like ${`${BENCH_SLUG_PREFIX}%`}`) as unknown as [{ others: number }];
  if (others > 0 && !values.force) {
    throw new Error(`the database holds ${others} stories that are not benchmark data; use a dedicated database (or --force to wipe it)`);
  }
  await sql`truncate story_events, entry_people, entry_places, quotes, entries, stories, people, places, idempotency_keys, edge_purges restart identity cascade`;

  // People: names from the lists, every one unique by slug.
  const personRows = Array.from({ length: v.people }, (_, i) => {
    const name = `${firstNames[i % firstNames.length]} ${lastNames[Math.floor(i / firstNames.length) % lastNames.length]}`;
    return { id: i + 1, slug: `${slugify(name)}-${i + 1}`, name, description: pick(roles), wikidata_id: `Q${100_000 + i}` };
  });
  await insert(sql, 'people', personRows);

  // Places: countries, then regions inside them, then cities and villages inside regions.
  const countries = Math.min(countryCodes.length, Math.max(2, Math.round(v.places * 0.01)));
  const regions = Math.round(v.places * 0.1);
  const placeRows = Array.from({ length: v.places }, (_, i) => {
    const id = i + 1;
    const kind = i < countries ? 'country' : i < countries + regions ? 'region' : random() < 0.7 ? 'city' : 'village';
    const parentId = kind === 'country' ? null : kind === 'region' ? 1 + (i % countries) : countries + 1 + int(regions);
    const name = `${pick(lastNames)}${kind === 'country' ? 'land' : kind === 'region' ? ' Oblast' : kind === 'city' ? 'grad' : 'ivka'} ${id}`;
    return {
      id,
      slug: slugify(name),
      name,
      kind,
      country_code: countryCodes[(parentId ?? id) % countryCodes.length],
      latitude: Math.round((random() * 140 - 70) * 1e5) / 1e5,
      longitude: Math.round((random() * 340 - 170) * 1e5) / 1e5,
      parent_id: parentId,
      geonames_id: 1_000 + id,
    };
  });
  await insert(sql, 'places', placeRows);

  const languages = ['it', 'it', 'it', 'it', 'en', 'en', 'fr', 'de', 'es'];
  const firstDay = Date.UTC(2026, 0, 1, 6, 0, 0);
  let entryId = 0;
  let quoteId = 0;
  let eventId = 0;
  const personIds = personRows.map((p) => p.id);
  const placeIds = placeRows.filter((p) => p.kind !== 'country').map((p) => p.id);
  for (let s = 0; s < v.stories; s++) {
    const storyId = s + 1;
    const language = languages[s % languages.length]!;
    const searchConfig = searchConfigFor(language);
    const start = firstDay + s * 86_400_000;
    const last = start + (v.entriesPerStory - 1) * 180_000;
    const title = sentence(language, 6);
    await insert(sql, 'stories', [
      {
        id: storyId,
        slug: `${BENCH_SLUG_PREFIX}story-${storyId}`,
        title,
        summary: sentence(language, 18),
        language,
        search_config: searchConfig,
        status: s % 10 === 9 ? 'ended' : 'live',
        coverage_start_at: new Date(start).toISOString(),
        last_event_seq: v.entriesPerStory,
        // Every event here is public: readers' numbering (public_seq) is the log's own.
        last_public_seq: v.entriesPerStory,
        created_at: new Date(start).toISOString(),
        updated_at: new Date(last).toISOString(),
      },
    ]);
    const cast = Array.from({ length: 30 }, () => skewed(personIds));
    const scenes = Array.from({ length: 15 }, () => skewed(placeIds));
    const entryRows = [];
    const mentionRows = [];
    const placeMentionRows = [];
    const quoteRows = [];
    const eventRows = [];
    for (let e = 0; e < v.entriesPerStory; e++) {
      const id = ++entryId;
      const at = new Date(start + e * 180_000 + int(60) * 1000).toISOString();
      const author = pick(authors);
      entryRows.push({
        id,
        story_id: storyId,
        headline: sentence(language, 5 + int(5)),
        body: `${sentence(language, 12 + int(10))}. ${sentence(language, 10 + int(15))}.`,
        status: 'published',
        key_event: random() < 0.1,
        author,
        published_at: at,
        created_at: at,
        updated_at: at,
        search_config: searchConfig,
      });
      const first = pick(cast);
      let second = pick(cast);
      while (second === first) second = pick(cast);
      mentionRows.push({ entry_id: id, person_id: first, created_at: at }, { entry_id: id, person_id: second, created_at: at });
      placeMentionRows.push({ entry_id: id, place_id: pick(scenes), created_at: at });
      for (const speaker of [first, second]) {
        quoteRows.push({ id: ++quoteId, entry_id: id, speaker_id: speaker, text: sentence(language, 10 + int(12)), language, source: pick(sources), created_at: at, updated_at: at });
      }
      eventRows.push({ id: ++eventId, story_id: storyId, seq: e + 1, public_seq: e + 1, kind: 'published', entry_id: id, public: true, actor: author, occurred_at: at });
    }
    await insert(sql, 'entries', entryRows);
    await insert(sql, 'entry_people', mentionRows, false);
    await insert(sql, 'entry_places', placeMentionRows, false);
    await insert(sql, 'quotes', quoteRows);
    await insert(sql, 'story_events', eventRows);
    if ((s + 1) % 5 === 0 || s + 1 === v.stories) log(`stories ${s + 1}/${v.stories} (${entryId} entries, ${quoteId} quotes)`);
  }
  for (const table of ['people', 'places', 'stories', 'entries', 'quotes', 'story_events']) {
    await sql.unsafe(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
  }
  await sql`vacuum analyze`;
  log(`done: ${v.stories} stories × ${v.entriesPerStory} entries, ${v.people} people, ${v.places} places, ${quoteId} quotes, ${eventId} events (scale ${scale})`);
} finally {
  await sql.end({ timeout: 5 });
}

/** Inserts rows in batches of JSON; `identity` when the table's id is generated always. */
async function insert(sql: postgres.Sql, table: string, rows: Record<string, unknown>[], identity = true): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const list = columns.map((c) => `"${c}"`).join(', ');
  for (let i = 0; i < rows.length; i += 5_000) {
    const batch = rows.slice(i, i + 5_000);
    await sql.unsafe(
      `insert into ${table} (${list}) ${identity ? 'overriding system value' : ''} select ${list} from json_populate_recordset(null::${table}, $1::json)`,
      [batch as unknown as postgres.SerializableParameter],
    );
  }
}

async function ensureDatabase(target: string): Promise<void> {
  const parsed = new URL(target);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  const admin = new URL(target);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const found = await sql`select 1 from pg_database where datname = ${name}`;
    if (found.length === 0) {
      await sql.unsafe(`create database ${name}`);
      log(`created database ${name}`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
