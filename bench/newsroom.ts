/**
 * The newsroom benchmark: what a live blog meets on a news day. Readers ask
 * for story pages rotating over every story, with person pages and searches
 * mixed in (7 : 2 : 1), at a fixed concurrency from a separate process,
 * while a desk publishes entries into random stories at 0, 1 and 4 entries
 * a second, each mentioning a much-quoted person and carrying a quote of
 * theirs (so that person pages change too).
 *
 * Three servers meet the same mix and the same desk, one after the other:
 * Diretta with its response cache, Diretta with the cache off (every read
 * executed: a cold page, a reader with a token), and PostGraphile 5 (no
 * cache). Diretta's desk publishes through its API (`createEntry`: a
 * transaction, an event, a NOTIFY); PostGraphile has no publishing path of
 * its own here, so its desk writes the same rows (entry, mention, quote)
 * with SQL, and its reads compete with the same writes.
 *
 * Reported per server and rate: reads req/s, p50, p99; publish latency p50
 * and p99 (request sent → answer received, under that read load) and the
 * rate the desk achieved; for Diretta with the cache, its hit rate over the
 * run (from /health's counters).
 */
import postgres from 'postgres';
import { mintToken } from '../src/auth/tokens.js';
import { encodeGlobalId } from '../src/global-id.js';
import type { LoadResult } from './load.js';
import { readOperations } from './queries.js';
import { readTargets, runLoad, startPostGraphile } from './reads.js';
import { BENCH_JWT_SECRET, PUBLISH, type Service, freePort, graphql, startApi } from './services.js';

export interface NewsroomOptions {
  databaseUrl: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Read requests a second each run is held to (a smoke run); unset, as fast as answered. */
  rateCap?: number | undefined;
  /** Entries a second the desk tries to publish, one run each. */
  rates: number[];
  /** Also run Diretta with its response cache off. */
  uncached: boolean;
  log: (message: string) => void;
}

export type NewsroomServer = 'Diretta, cache on' | 'Diretta, cache off' | 'PostGraphile (no cache)';

export interface PublishFigures {
  /** Publishes the desk attempted and completed (an error counts as attempted only). */
  attempted: number;
  completed: number;
  failed: number;
  /** Completed publishes per second over the run. */
  achievedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export interface NewsroomRun {
  server: NewsroomServer;
  /** Entries a second the desk tried to publish. */
  rate: number;
  reads: LoadResult;
  publish: PublishFigures;
  /** Share of reads answered from the response cache (Diretta, cache on); null elsewhere. */
  cacheHitRate: number | null;
}

export interface NewsroomResults {
  connections: number;
  durationSeconds: number;
  /** Read requests a second each run was held to (--rate-cap): a smoke run, not a measurement. */
  rateCap?: number;
  mix: string;
  runs: NewsroomRun[];
}

/** One request in ten is a search, two are person pages, seven are story pages. */
const MIX: ('story page' | 'person page' | 'search')[] = ['story page', 'story page', 'person page', 'story page', 'story page', 'search', 'story page', 'person page', 'story page', 'story page'];

function mixedBodies(targets: Awaited<ReturnType<typeof readTargets>>, server: 'diretta' | 'postgraphile'): string[] {
  const operations = new Map(readOperations(targets).map((o) => [o.name, o]));
  // Long enough that each connection's walk covers every story several times.
  const length = Math.max(200, targets.stories.length * 10);
  const counters = { 'story page': 0, 'person page': 0, search: 0 };
  return Array.from({ length }, (_, i) => {
    const name = MIX[i % MIX.length]!;
    const operation = operations.get(name)!;
    return JSON.stringify({ query: operation[server], variables: operation.variables(counters[name]++) });
  });
}

/** A deterministic pseudo-random sequence, so that runs publish the same things. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface DeskTargets {
  stories: { id: number; language: string }[];
  /** Much-quoted people (those whose person pages the readers ask for). */
  people: number[];
}

async function deskTargets(databaseUrl: string, peopleSlugs: string[]): Promise<DeskTargets> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // A desk writes into stories that take entries: an ended story refuses them (as it should), so it is not a target.
    const stories = await sql<{ id: number; language: string }[]>`select id, language from stories where status in ('live', 'paused') order by id`;
    const people = await sql<{ id: number }[]>`select id from people where slug = any(${peopleSlugs}) order by id`;
    return { stories: [...stories], people: people.map((p) => p.id) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

type Publish = (n: number) => Promise<void>;

/**
 * Publishes at `rate` entries a second on a fixed schedule (an editor does
 * not wait for the previous entry to come back before writing the next: a
 * slow publish does not slow the schedule), until stopped.
 */
function startDesk(rate: number, publish: Publish) {
  const latencies: number[] = [];
  let attempted = 0;
  let failed = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    if (stopped) return;
    const n = attempted++;
    const t0 = performance.now();
    const flight = publish(n).then(
      () => void latencies.push(performance.now() - t0),
      (error: unknown) => {
        failed++;
        // A failed publish is a finding: say why (the first few, not one line per failure).
        if (failed <= 3) console.error(`newsroom: publish ${n} failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    inFlight.add(flight);
    void flight.finally(() => inFlight.delete(flight));
    // On schedule: the n-th publish goes at started + n / rate, whatever the previous ones did.
    timer = setTimeout(tick, Math.max(0, started + ((n + 1) * 1000) / rate - performance.now()));
  };
  if (rate > 0) tick();
  return async (): Promise<PublishFigures> => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
    return { attempted, completed: latencies.length, failed, achievedPerSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
  };
}

/** Warm-up entries are numbered from here, apart from the measured ones. */
const WARM_UP_ENTRIES = 1_000_000;


async function direttaDesk(url: string, targets: DeskTargets): Promise<Publish> {
  const token = await mintToken(BENCH_JWT_SECRET, { role: 'editor', subject: 'bench-desk', expiresIn: 3600 });
  const next = random(42);
  return async (n) => {
    const story = targets.stories[Math.floor(next() * targets.stories.length)]!;
    const person = targets.people[Math.floor(next() * targets.people.length)]!;
    const response = await graphql(
      url,
      PUBLISH,
      {
        input: {
          story: encodeGlobalId('Story', story.id),
          headline: `Newsroom bench ${n}: update from the desk`,
          body: `Entry ${n} of the newsroom benchmark, published while readers read.`,
          people: [encodeGlobalId('Person', person)],
          quotes: [{ text: `Statement ${n} for the benchmark.`, speaker: encodeGlobalId('Person', person), source: 'Desk' }],
        },
      },
      { authorization: `Bearer ${token}` },
    );
    if (response.errors) throw new Error(JSON.stringify(response.errors));
  };
}

/** PostGraphile's desk: the same rows, written with SQL in one transaction. */
function sqlDesk(sql: postgres.Sql, targets: DeskTargets): Publish {
  const next = random(42);
  return async (n) => {
    const story = targets.stories[Math.floor(next() * targets.stories.length)]!;
    const person = targets.people[Math.floor(next() * targets.people.length)]!;
    await sql.begin(async (tx) => {
      const [entry] = await tx<{ id: number }[]>`
        insert into entries (story_id, headline, body, status, published_at, search_config)
        values (${story.id}, ${`Newsroom bench ${n}: update from the desk`}, ${`Entry ${n} of the newsroom benchmark, published while readers read.`},
                'published', now(), (select search_config from stories where id = ${story.id}))
        returning id`;
      await tx`insert into entry_people (entry_id, person_id) values (${entry!.id}, ${person})`;
      await tx`insert into quotes (entry_id, speaker_id, text, language, source) values (${entry!.id}, ${person}, ${`Statement ${n} for the benchmark.`}, ${story.language}, 'Desk')`;
    });
  };
}

async function cacheCounters(url: string): Promise<{ hits: number; misses: number } | null> {
  const response = await fetch(`${url}/health`);
  const body = (await response.json()) as { responseCache?: { hits: number; misses: number } };
  return body.responseCache ?? null;
}

export async function runNewsroom(options: NewsroomOptions): Promise<NewsroomResults> {
  const { log } = options;
  const targets = await readTargets(options.databaseUrl);
  const desk = await deskTargets(options.databaseUrl, targets.people);
  log(`newsroom: ${targets.stories.length} stories, ${targets.people.length} people, ${targets.terms.length} search terms; desk rates ${options.rates.join(', ')} entries/s`);
  const runs: NewsroomRun[] = [];
  const direttaBodies = mixedBodies(targets, 'diretta');
  const services: Service[] = [];
  const sql = postgres(options.databaseUrl, { max: 4, onnotice: () => {} });
  try {
    // Every server up at once, so that each rate meets the three one right after the other (the same moment of a shared machine).
    const servers: { server: NewsroomServer; url: string; bodies: string[]; publish: Publish; counters: boolean }[] = [];
    for (const [server, env] of [
      ['Diretta, cache on', {}],
      ...(options.uncached ? [['Diretta, cache off', { RESPONSE_CACHE_TTL_MS: '0' }] as const] : []),
    ] as const) {
      const api = await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env });
      services.push(api);
      servers.push({ server, url: api.url, bodies: direttaBodies, publish: await direttaDesk(api.url, desk), counters: server === 'Diretta, cache on' });
    }
    const pgl = await startPostGraphile(options.databaseUrl);
    services.push(pgl);
    servers.push({ server: 'PostGraphile (no cache)', url: pgl.url, bodies: mixedBodies(targets, 'postgraphile'), publish: sqlDesk(sql, desk), counters: false });

    const job = (url: string, bodies: string[]) => ({ url: `${url}/graphql`, connections: options.connections, bodies, overallRate: options.rateCap });
    // Every server answers the mix without errors (and has run each of its operations once) before it is measured.
    for (const { server, url, bodies } of servers) {
      for (const body of bodies.slice(0, MIX.length)) {
        const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
        const answer = (await response.json()) as { errors?: unknown };
        if (!response.ok || answer.errors) throw new Error(`${server} failed the newsroom mix: ${response.status} ${JSON.stringify(answer.errors)}`);
      }
    }
    // Warm-up: the mix, with the desk publishing once a second, so that a server's first publishes (its code
    // paths, its writers' prepared statements) are not among the measured ones, as its first reads are not.
    if (options.warmupSeconds > 0) {
      for (const { url, bodies, publish } of servers) {
        const stopDesk = startDesk(1, (n) => publish(WARM_UP_ENTRIES + n));
        await runLoad({ ...job(url, bodies), durationSeconds: options.warmupSeconds });
        await stopDesk();
      }
    }
    for (const rate of options.rates) {
      for (const { server, url, bodies, publish, counters } of servers) {
        const before = counters ? await cacheCounters(url) : null;
        const stopDesk = startDesk(rate, publish);
        const reads = await runLoad({ ...job(url, bodies), durationSeconds: options.durationSeconds });
        const publishFigures = await stopDesk();
        const after = counters ? await cacheCounters(url) : null;
        const hits = before && after ? after.hits - before.hits : 0;
        const misses = before && after ? after.misses - before.misses : 0;
        const cacheHitRate = before && after && hits + misses > 0 ? hits / (hits + misses) : null;
        runs.push({ server, rate, reads, publish: publishFigures, cacheHitRate });
        log(
          `newsroom: ${server}, ${rate} entries/s: ${reads.requestsPerSecond.toFixed(0)} req/s, p50 ${reads.p50} ms, p99 ${reads.p99} ms, ` +
            `${reads.errors + reads.non2xx} errors; published ${publishFigures.completed}/${publishFigures.attempted}, p99 ${publishFigures.p99.toFixed(0)} ms` +
            (cacheHitRate === null ? '' : `; cache hits ${(cacheHitRate * 100).toFixed(0)} %`),
        );
      }
    }
  } finally {
    for (const service of services) await service.stop();
    await sql.end({ timeout: 5 });
  }
  return { connections: options.connections, durationSeconds: options.durationSeconds, ...(options.rateCap ? { rateCap: options.rateCap } : {}), mix: '7 story pages : 2 person pages : 1 search', runs };
}
