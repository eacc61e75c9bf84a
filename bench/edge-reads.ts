/**
 * Reads at the edge: the newsroom mix (7 story pages : 2 person pages : 1
 * search, rotating over every story) through Varnish in front of the API,
 * against the same mix straight to the API with its response cache on,
 * while a desk publishes at 0, 1 and 4 entries a second.
 *
 * Through Varnish the mix's documents are trusted documents asked for by
 * hash with GET (what the pages and apps do), and every publish reaches
 * Varnish as an xkey soft purge through the API's purge outbox; straight to
 * the API they are the newsroom benchmark's POSTs (the API's best path: its
 * response cache answers them before parsing).
 *
 * Reported per path and rate: reads req/s, p50, p99; for Varnish its hit
 * ratio over the run (varnishstat: hits / (hits + misses), passes aside) and
 * the staleness of story pages: from the desk's publish answered (the entry
 * committed) to the first read at the edge that shows it, probed every
 * 10 ms on the very URL readers of that story ask for (p50, p99, and how
 * many were not fresh within 10 s).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { mintToken } from '../src/auth/tokens.js';
import { documentHash } from '../src/plugins/trusted-documents.js';
import { encodeGlobalId } from '../src/global-id.js';
import { type RunningVarnish, startVarnish, varnishCounters, varnishUnavailable } from '../scripts/edge/varnish.js';
import type { LoadResult } from './load.js';
import { type ReadOperation, readOperations } from './queries.js';
import { readTargets, runLoad } from './reads.js';
import { BENCH_JWT_SECRET, PUBLISH, type Service, freePort, graphql, startApi } from './services.js';

export interface EdgeReadsOptions {
  databaseUrl: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Read requests a second each run is held to (a smoke run); unset, as fast as answered. */
  rateCap?: number | undefined;
  /** Entries a second the desk publishes, one run each. */
  rates: number[];
  log: (message: string) => void;
}

export type EdgePath = 'Varnish → API' | 'API (cache on)';

export interface Staleness {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** Publishes whose entry no edge read showed within STALE_LIMIT_MS. */
  notFresh: number;
}

export interface EdgeRun {
  path: EdgePath;
  rate: number;
  reads: LoadResult;
  /** Varnish only: cache_hit / (cache_hit + cache_miss) over the run. */
  hitRatio: number | null;
  staleness: Staleness | null;
  published: number;
  publishFailed: number;
}

export interface EdgeReadsResults {
  connections: number;
  durationSeconds: number;
  /** Read requests a second each run was held to (--rate-cap): a smoke run, not a measurement. */
  rateCap?: number;
  mix: string;
  runs: EdgeRun[];
}

const MIX: ReadOperation['name'][] = ['story page', 'story page', 'person page', 'story page', 'search', 'story page', 'story page', 'person page', 'story page', 'story page'];
const STALE_LIMIT_MS = 10_000;
const PROBE_INTERVAL_MS = 10;

/** The mix as requests: GET paths by hash for the edge, POST bodies for the API. */
function mixRequests(operations: ReadOperation[], length: number) {
  const byName = new Map(operations.map((o) => [o.name, o]));
  const counters = { 'story page': 0, 'person page': 0, search: 0 };
  const paths: string[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < length; i++) {
    const name = MIX[i % MIX.length]!;
    const operation = byName.get(name)!;
    const variables = operation.variables(counters[name]++);
    paths.push(persistedPath(operation.diretta, variables));
    bodies.push(JSON.stringify({ query: operation.diretta, variables }));
  }
  return { paths, bodies };
}

function persistedPath(document: string, variables: Record<string, unknown>): string {
  const params = new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: documentHash(document) } }), variables: JSON.stringify(variables) });
  return `/graphql?${params}`;
}

function quantiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

interface DeskStory {
  id: number;
  slug: string;
}

/**
 * Publishes at `rate` a second on a fixed schedule into random stories (each entry naming a much-quoted
 * person, with a quote of theirs); with `probe`, times each entry from its publish answered to the first
 * read of its story page at the edge that shows it.
 */
function startDesk(rate: number, stories: DeskStory[], people: number[], apiUrl: string, token: string, label: string, probe: ((slug: string, headline: string) => Promise<number | null>) | null) {
  let state = 42;
  const next = () => ((state = (state * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32);
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const staleness: number[] = [];
  let notFresh = 0;
  let published = 0;
  let failed = 0;
  let attempted = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    if (stopped) return;
    const n = attempted++;
    const story = stories[Math.floor(next() * stories.length)]!;
    const person = people[Math.floor(next() * people.length)]!;
    const headline = `Edge bench ${label} ${n}: update from the desk`;
    const flight = (async () => {
      const response = await graphql(
        apiUrl,
        PUBLISH,
        { input: { story: encodeGlobalId('Story', story.id), headline, body: `Entry ${n} of the edge benchmark.`, people: [encodeGlobalId('Person', person)], quotes: [{ text: `Statement ${n}.`, speaker: encodeGlobalId('Person', person), source: 'Desk' }] } },
        { authorization: `Bearer ${token}` },
      );
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      published++;
      if (!probe) return;
      const ms = await probe(story.slug, headline);
      if (ms === null) notFresh++;
      else staleness.push(ms);
    })().catch((error: unknown) => {
      failed++;
      if (failed <= 3) console.error(`edge-reads: publish ${n} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    inFlight.add(flight);
    void flight.finally(() => inFlight.delete(flight));
    timer = setTimeout(tick, Math.max(0, started + ((n + 1) * 1000) / rate - performance.now()));
  };
  if (rate > 0) tick();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await Promise.all(inFlight);
    const figures: Staleness | null = probe ? { samples: staleness.length, ...quantiles(staleness), notFresh } : null;
    return { published, failed, staleness: figures };
  };
}

export async function runEdgeReads(options: EdgeReadsOptions): Promise<EdgeReadsResults> {
  const { log } = options;
  const unavailable = varnishUnavailable();
  if (unavailable) throw new Error(`edge-reads needs Varnish: ${unavailable}`);
  const targets = await readTargets(options.databaseUrl);
  const operations = readOperations(targets);
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  const stories = [...(await sql<DeskStory[]>`select id, slug from stories where status in ('live', 'paused') order by id`)];
  const people = (await sql<{ id: number }[]>`select id from people where slug = any(${targets.people}) order by id`).map((p) => p.id);
  // Rows the data generator's events left in the purge outbox are no purge anyone waits for.
  await sql`delete from edge_purges where delivered_at is null`.catch(() => {});
  await sql.end({ timeout: 5 });
  const { paths, bodies } = mixRequests(operations, Math.max(200, targets.stories.length * 10));
  const storyPage = operations.find((o) => o.name === 'story page')!;

  const dir = mkdtempSync(join(tmpdir(), 'diretta-edge-bench-'));
  const services: Service[] = [];
  let varnish: RunningVarnish | null = null;
  const runs: EdgeRun[] = [];
  try {
    const documents = join(dir, 'documents.json');
    writeFileSync(documents, JSON.stringify(operations.map((o) => o.diretta)));
    const varnishPort = await freePort();
    const api = await startApi({
      databaseUrl: options.databaseUrl,
      port: await freePort(),
      env: { TRUSTED_DOCUMENTS_FILE: documents, VARNISH_PURGE_URL: `http://127.0.0.1:${varnishPort}/` },
    });
    services.push(api);
    varnish = await startVarnish({ backendPort: Number(new URL(api.url).port), port: varnishPort, storage: '256m' });
    log(`edge-reads: API ${api.url}, Varnish ${varnish.url} (pid ${varnish.pid}); ${targets.stories.length} stories, ${stories.length} take entries; rates ${options.rates.join(', ')} entries/s`);
    const token = await mintToken(BENCH_JWT_SECRET, { role: 'editor', subject: 'bench-edge-desk', expiresIn: 3600 });

    // Every request of the mix answers without errors, through Varnish and straight to the API.
    for (const path of paths.slice(0, MIX.length)) {
      const response = await fetch(`${varnish.url}${path}`, { headers: { accept: 'application/json' } });
      const answer = (await response.json()) as { errors?: unknown };
      if (!response.ok || answer.errors) throw new Error(`the edge failed the mix: ${response.status} ${JSON.stringify(answer.errors)}`);
    }

    const edgeUrl = varnish.url;
    const probe = async (slug: string, headline: string): Promise<number | null> => {
      const t0 = performance.now();
      // The very URL the mix's readers of this story ask for (its variables are the slug alone).
      const url = `${edgeUrl}${persistedPath(storyPage.diretta, { slug })}`;
      while (performance.now() - t0 < STALE_LIMIT_MS) {
        const text = await fetch(url, { headers: { accept: 'application/json' } }).then((r) => r.text(), () => '');
        if (text.includes(headline)) return performance.now() - t0;
        await new Promise((done) => setTimeout(done, PROBE_INTERVAL_MS));
      }
      return null;
    };
    const targetsByPath: Record<EdgePath, { url: string; job: { paths?: string[]; bodies: string[] } }> = {
      'Varnish → API': { url: `${varnish.url}/graphql`, job: { paths, bodies: [] } },
      'API (cache on)': { url: `${api.url}/graphql`, job: { bodies } },
    };
    if (options.warmupSeconds > 0) {
      for (const [path, { url, job }] of Object.entries(targetsByPath) as [EdgePath, (typeof targetsByPath)[EdgePath]][]) {
        const stop = startDesk(1, stories, people, api.url, token, `warm-up ${path}`, null);
        await runLoad({ url, connections: options.connections, durationSeconds: options.warmupSeconds, overallRate: options.rateCap, ...job });
        await stop();
      }
    }
    for (const rate of options.rates) {
      for (const [path, { url, job }] of Object.entries(targetsByPath) as [EdgePath, (typeof targetsByPath)[EdgePath]][]) {
        const viaVarnish = path === 'Varnish → API';
        const before = viaVarnish ? await varnishCounters(varnish.workDir) : null;
        const stop = startDesk(rate, stories, people, api.url, token, `${rate}/s ${viaVarnish ? 'edge' : 'api'}`, viaVarnish ? probe : null);
        const reads = await runLoad({ url, connections: options.connections, durationSeconds: options.durationSeconds, overallRate: options.rateCap, ...job });
        const desk = await stop();
        const after = viaVarnish ? await varnishCounters(varnish.workDir) : null;
        const hits = before && after ? (after.cache_hit ?? 0) - (before.cache_hit ?? 0) : 0;
        const misses = before && after ? (after.cache_miss ?? 0) - (before.cache_miss ?? 0) : 0;
        const hitRatio = viaVarnish && hits + misses > 0 ? hits / (hits + misses) : null;
        runs.push({ path, rate, reads, hitRatio, staleness: desk.staleness, published: desk.published, publishFailed: desk.failed });
        const stale = desk.staleness;
        log(
          `edge-reads: ${path}, ${rate} entries/s: ${reads.requestsPerSecond.toFixed(0)} req/s, p50 ${reads.p50} ms, p99 ${reads.p99} ms, ${reads.errors + reads.non2xx} errors` +
            (hitRatio === null ? '' : `; hit ratio ${(hitRatio * 100).toFixed(1)} %`) +
            (stale && stale.samples > 0 ? `; staleness p50 ${stale.p50.toFixed(0)} ms, p99 ${stale.p99.toFixed(0)} ms (${stale.samples} entries, ${stale.notFresh} not fresh in 10 s)` : '') +
            `; published ${desk.published} (${desk.failed} failed)`,
        );
      }
    }
  } finally {
    await varnish?.stop();
    for (const service of services) await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { connections: options.connections, durationSeconds: options.durationSeconds, ...(options.rateCap ? { rateCap: options.rateCap } : {}), mix: '7 story pages : 2 person pages : 1 search', runs };
}
