/**
 * The read benchmark: the same three operations against Diretta and against
 * PostGraphile on the same database, each under HTTP load at a fixed
 * concurrency from a separate process (bench/load.ts).
 */
import postgres from 'postgres';
import type { Socket } from 'node:net';
import type { LoadCommand, LoadJob, LoadMessage, LoadResult } from './load.js';
import { type ReadOperation, type ReadTargets, readOperations } from './queries.js';
import { type Api, ClientChannel, type Service, cpuMs, freePort, graphql, pinToCpus, startApi, startNode, startTwinApis, unpin, waitForLine } from './services.js';

export interface ReadOptions {
  databaseUrl: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Requests a second each run is held to (a smoke run: the figures then measure nothing but correctness); unset, as fast as answered. */
  rateCap?: number | undefined;
  /** Also measure Diretta with its response cache off. */
  uncached: boolean;
  /** Also measure Diretta with its metrics on (and scraped) against the same with them off. */
  metrics?: boolean;
  /** Off/on pairs per operation and cache setting, alternated (the median of each side is compared). */
  metricsRounds?: number;
  /** Pairs of server processes (off, on) measured side by side on one CPU, per operation and cache setting. */
  metricsPairs?: number;
  /**
   * Requests a second each server of a side-by-side pair is held to (--metrics-pair-rate); unset, as fast as answered.
   * Held below what the CPU answers, both servers do the same work at the same pace, and their CPU per request is
   * compared without the scheduler's share deciding it (a server given less CPU batches more, and pays less a request).
   */
  metricsPairRate?: number | undefined;
  /**
   * Rounds of alternated windows per pair (--metrics-windows): each pair's two servers are loaded one at a time, at
   * full speed, in windows off, on, on, off of --duration seconds each, and their throughputs compared. Unset, side by side.
   */
  metricsWindows?: number;
  /**
   * Each pair's two servers as two apps in one process (bench/twin-api.ts; --metrics-in-process, with
   * --metrics-windows): they share that process's luck, which between two processes differs by more than the
   * few per cent compared. Every pair is then a fresh such process (the twins are two processes).
   */
  metricsInProcess?: boolean;
  /** Neither server of a pair has metrics (--metrics-control): how far apart two identical servers measure. */
  metricsControl?: boolean;
  /** Only these read operations (--operations); unset, all of them. */
  operations?: readonly ReadOperation['name'][];
  /** Seconds between two scrapes of a server with metrics (default 1; Prometheus' own default is 15). */
  scrapeIntervalSeconds?: number;
  log: (message: string) => void;
}

/** One operation, one cache setting: the same Diretta with its metrics off and on (METRICS_PORT, scraped all along). */
export interface MetricsCost {
  operation: ReadOperation['name'];
  cache: 'on' | 'off';
  off: LoadResult[];
  on: LoadResult[];
  /** Median req/s with metrics on over median req/s with them off. */
  ratio: number;
  /**
   * Pairs of the two servers (the twins, then fresh processes), each pair loaded at the same time on one shared
   * CPU (each with the run's connections, the scheduler giving each half of it), `on` scraped all along: per
   * pair, req/s on over off. Whatever slows the machine during a run slows both alike, which alternated runs
   * cannot promise.
   */
  sideBySide: { off: LoadResult; on: LoadResult; ratio: number; perCpuRatio: number }[];
  /** The median of the side-by-side runs' ratios. */
  sideBySideRatio: number;
  /** The same per CPU second each server was given (requests over its user and system time in the run): what the scheduler's share does not decide. */
  sideBySidePerCpuRatio: number;
  /** Scrapes of the twin with metrics answered 200 while this operation was compared (all along, one every --scrape-interval). */
  scrapes: number;
  /** Requests a second each server of a pair was held to (--metrics-pair-rate), if any: then only the CPU per request is compared. */
  pairRate?: number;
  /**
   * Rounds of alternated windows per pair (--metrics-windows), if any: then each pair was loaded one server at a
   * time at full speed, in windows off, on, on, off, instead of side by side; `sideBySide` holds those pairs.
   */
  windows?: number;
  /** Whether each pair's two servers were two apps in one process (--metrics-in-process). */
  inProcess?: boolean;
  /** Whether neither server of a pair had metrics (--metrics-control): the method's own spread. */
  control?: boolean;
  /** Whether the two servers ran on one CPU and the load generator on another (taskset), rather than all on every CPU. */
  pinned: boolean;
}

export interface ServerFigures extends LoadResult {
  server: string;
}

export interface ReadFigures {
  operation: ReadOperation['name'];
  /** SQL statements of one Diretta request (not served from a cache), by page size. */
  statements: { pageSize: number; statements: number }[];
  /** Whether Diretta and PostGraphile returned the same data for the first variables. */
  sameData: boolean;
  responseBytes: number;
  diretta: ServerFigures;
  postgraphile: ServerFigures;
}

export interface ReadResults {
  connections: number;
  durationSeconds: number;
  /** Requests a second each run was held to (--rate-cap): a smoke run, not a measurement. */
  rateCap?: number;
  targets: { stories: number; people: number; terms: string[] };
  operations: ReadFigures[];
  /** Diretta with RESPONSE_CACHE_TTL_MS=0: every request executed (measured right before PostGraphile, operation by operation). */
  uncached?: (LoadResult & { operation: ReadOperation['name'] })[];
  /** The cost of metrics (`--metrics`): throughput with them on against off. */
  metrics?: MetricsCost[];
  /** Seconds between two scrapes of the servers with metrics. */
  scrapeIntervalSeconds?: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * Requests `url` every `intervalMs` until stopped: Prometheus scraping /metrics, or a load balancer checking /ready
 * (scripts/haproxy.ts does every 500 ms). `answered` counts the 200s so far.
 */
function poll(url: string, intervalMs: number): { readonly answered: number; stop(): Promise<void> } {
  let answered = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const response = await fetch(url).catch(() => null);
      if (response?.ok) answered++;
      await response?.text();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();
  return {
    get answered() {
      return answered;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Search terms in the data set's languages, each with matches. */
const TERMS = ['trattativa', 'tregua', 'blackout', 'ceasefire', 'shelter', 'sirènes', 'Luftabwehr', 'refugio'];

export async function readTargets(databaseUrl: string): Promise<ReadTargets> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const stories = await sql<{ slug: string }[]>`select slug from stories where status <> 'draft' order by id`;
    // The people a person page is worth benchmarking for: those with a full page of quotes.
    const people = await sql<{ slug: string }[]>`
      select p.slug from people p join quotes q on q.speaker_id = p.id
      group by p.id having count(*) >= 50 order by count(*) desc, p.id limit 100`;
    const fallback = people.length ? [] : await sql<{ slug: string }[]>`select p.slug from people p join quotes q on q.speaker_id = p.id group by p.id order by count(*) desc limit 20`;
    if (stories.length === 0) throw new Error('no stories: run `npm run bench:data` first');
    return { stories: stories.map((s) => s.slug), people: [...people, ...fallback].map((p) => p.slug), terms: TERMS };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function startPostGraphile(databaseUrl: string): Promise<Service & { url: string }> {
  const port = await freePort();
  const service = startNode('bench/postgraphile.ts', { DATABASE_URL: databaseUrl, PORT: String(port), NODE_ENV: 'production' });
  const [, url] = await waitForLine(service, /listening (http:\/\/\S+)/);
  return Object.assign(service, { url: url! });
}

let loadGenerator: ClientChannel<LoadCommand, LoadMessage> | null = null;

/** Runs one load job in the run's load generator (bench/load.ts), started the first time. */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  loadGenerator ??= startLoadGenerator();
  const { result } = await loadGenerator.request<'result'>({ cmd: 'run', job }, (job.durationSeconds + 60) * 1000);
  return result;
}

/** Runs load jobs at the same time, in the run's load generator: their results, in order. */
async function runSideBySide(jobs: LoadJob[]): Promise<LoadResult[]> {
  loadGenerator ??= startLoadGenerator();
  const { results } = await loadGenerator.request<'results'>({ cmd: 'side-by-side', jobs }, (Math.max(...jobs.map((j) => j.durationSeconds)) + 60) * 1000);
  return results;
}

function startLoadGenerator(): ClientChannel<LoadCommand, LoadMessage> {
  const service = startNode('bench/load.ts', {}, { stdin: true });
  // Kept for the whole run, but never what keeps the run alive: when the benchmark's process ends, the
  // generator's stdin closes and it exits.
  const { process: child } = service;
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref();
  return new ClientChannel(service);
}

/** Data as a comparable list of leaf values: no ids (they are encoded differently), dates as instants, enums in one case. */
function leaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value && typeof value === 'object') {
    return Object.keys(value)
      .filter((k) => k !== 'id')
      .sort()
      .flatMap((k) => leaves((value as Record<string, unknown>)[k]));
  }
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return [Date.parse(value)];
  if (typeof value === 'string') return [value.toLowerCase()];
  return [value];
}

type PairResult = readonly [off: LoadResult, on: LoadResult, cpuMs: readonly [off: number, on: number]];

/** The two servers loaded at the same time for one run; each one's CPU time over it. */
async function sideBySide(off: Api, on: Api, job: (server: Api) => LoadJob): Promise<PairResult> {
  const before = [cpuMs(off.pid), cpuMs(on.pid)] as const;
  const [offResult, onResult] = await runSideBySide([job(off), job(on)]);
  return [offResult!, onResult!, [cpuMs(off.pid) - before[0], cpuMs(on.pid) - before[1]]];
}

/**
 * The two servers loaded one at a time, `rounds` times in windows off, on, on, off (each after a second of the same
 * load): a machine whose speed drifts over minutes, as this shared one does, drifts alike for both within a round.
 * Each server's windows summed into one result (requests, and req/s over the time measured).
 */
async function alternateWindows(off: Api, on: Api, rounds: number, seconds: number, job: (server: Api, seconds: number) => LoadJob): Promise<PairResult> {
  const measured = new Map<Api, { results: LoadResult[]; cpuMs: number }>([
    [off, { results: [], cpuMs: 0 }],
    [on, { results: [], cpuMs: 0 }],
  ]);
  for (let round = 0; round < rounds; round++) {
    for (const server of [off, on, on, off]) {
      await runLoad(job(server, 1));
      const before = cpuMs(server.pid);
      const result = await runLoad(job(server, seconds));
      const entry = measured.get(server)!;
      entry.cpuMs += cpuMs(server.pid) - before;
      entry.results.push(result);
    }
  }
  const summed = (results: LoadResult[]): LoadResult => {
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    return {
      requests,
      requestsPerSecond: requests / (results.length * seconds),
      p50: median(results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
      max: Math.max(...results.map((r) => r.max)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
    };
  };
  return [summed(measured.get(off)!.results), summed(measured.get(on)!.results), [measured.get(off)!.cpuMs, measured.get(on)!.cpuMs]];
}

export async function runReads(options: ReadOptions): Promise<ReadResults> {
  const { log } = options;
  const targets = await readTargets(options.databaseUrl);
  const operations = readOperations(targets).filter((o) => !options.operations || options.operations.includes(o.name));
  log(`reads: ${targets.stories.length} stories, ${targets.people.length} people with 50+ quotes, ${targets.terms.length} search terms`);

  const api = await startApi({ databaseUrl: options.databaseUrl, port: await freePort() });
  // Cache off, alive beside the others so that each operation meets the three servers one right after the other.
  const uncachedApi = options.uncached ? await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: { RESPONSE_CACHE_TTL_MS: '0' } }) : null;
  // A second instance that reports its statements, for the statement check only.
  const counting = await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: { REPORT_SQL_STATEMENTS: 'true' } });
  // The same servers with their metrics on (--metrics), each compared with its twin above. As in production, from the
  // moment each is up: Prometheus scrapes the ones with metrics (every --scrape-interval seconds) and a load
  // balancer checks every server of the comparison on /ready (every 500 ms, as scripts/haproxy.ts does). Scrapes
  // that began only with a measured run would measure their first minutes: V8 recompiling the request path for
  // a second kind of request, which a deployed server did long ago.
  const scrapers = new Map<Api, ReturnType<typeof poll>>();
  const pollers = new Map<Api, ReturnType<typeof poll>[]>();
  const compared = (server: Api): Api => {
    const list = [poll(`${server.url}/ready`, 500)];
    if (server.metricsUrl) {
      const scraper = poll(`${server.metricsUrl}/metrics`, (options.scrapeIntervalSeconds ?? 1) * 1000);
      scrapers.set(server, scraper);
      list.push(scraper);
    }
    pollers.set(server, list);
    return server;
  };
  /** Stops a compared server and what polls it. */
  const retire = async (server: Api) => {
    await Promise.all((pollers.get(server) ?? []).map((poller) => poller.stop()));
    pollers.delete(server);
    scrapers.delete(server);
    await server.stop();
  };
  if (options.metrics) for (const server of [api, uncachedApi]) if (server) compared(server);
  const metricsEnv = async () => ({ METRICS_PORT: String(await freePort()), METRICS_HOST: '127.0.0.1' });
  const withMetrics = options.metrics
    ? {
        cached: compared(await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: await metricsEnv() })),
        uncached: options.uncached ? compared(await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: { ...(await metricsEnv()), RESPONSE_CACHE_TTL_MS: '0' } })) : null,
      }
    : null;
  // Further pairs of the two servers, for the side-by-side comparison (--metrics-pairs): each started for its run and
  // stopped after it, so that however many pairs are asked for, the database sees one pair's connections at a time.
  const extraServers = new Set<Api>();
  const startPair = async (cache: 'on' | 'off'): Promise<readonly [Api, Api]> => {
    const cacheEnv: Record<string, string> = cache === 'off' ? { RESPONSE_CACHE_TTL_MS: '0' } : {};
    const onEnv = options.metricsControl ? cacheEnv : { ...cacheEnv, ...(await metricsEnv()) };
    if (options.metricsInProcess) {
      const [pairOff, pairOn] = await startTwinApis(options.databaseUrl, [cacheEnv, onEnv]);
      for (const server of [pairOff, pairOn]) extraServers.add(compared(server));
      return [pairOff, pairOn];
    }
    const pairOff = compared(await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: cacheEnv }));
    extraServers.add(pairOff);
    const pairOn = compared(await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: onEnv }));
    extraServers.add(pairOn);
    return [pairOff, pairOn];
  };
  const retirePair = async (pair: readonly Api[]) => {
    for (const server of pair) {
      extraServers.delete(server);
      await retire(server);
    }
  };
  let pgl: (Service & { url: string }) | null = null;
  try {
    pgl = await startPostGraphile(options.databaseUrl);
    log(`reads: Diretta at ${api.url}${uncachedApi ? ` (cache off at ${uncachedApi.url})` : ''}, PostGraphile at ${pgl.url}`);
    const results: ReadFigures[] = [];
    const uncached: NonNullable<ReadResults['uncached']> = [];
    const metricsCosts: MetricsCost[] = [];
    for (const operation of operations) {
      const variables = operation.variables(0);
      const direttaFirst = await graphql(api.url, operation.diretta, variables);
      const pglFirst = await graphql(pgl.url, operation.postgraphile, variables);
      if (direttaFirst.errors) throw new Error(`Diretta failed ${operation.name}: ${JSON.stringify(direttaFirst.errors)}`);
      if (pglFirst.errors) throw new Error(`PostGraphile failed ${operation.name}: ${JSON.stringify(pglFirst.errors)}`);
      const sorted = (data: unknown) => JSON.stringify(leaves(data).map((v) => JSON.stringify(v)).sort());
      const sameData = sorted(direttaFirst.data) === sorted(pglFirst.data);

      // Statements of an execution, at three page sizes (each a query text of its own, so not a cached response).
      const statements = [];
      const size = operation.name === 'person page' ? 50 : 20;
      for (const pageSize of [5, size, 100]) {
        const text = operation.diretta.replace(`first: ${size}`, `first: ${pageSize}`).replace('query ', `query Size${pageSize}`);
        const response = await graphql(counting.url, text, operation.variables(1));
        if (response.errors) throw new Error(`Diretta failed ${operation.name} at ${pageSize}: ${JSON.stringify(response.errors)}`);
        statements.push({ pageSize, statements: Number(response.extensions?.sqlStatements ?? NaN) });
      }

      const figures: Partial<ReadFigures> = { operation: operation.name, statements, sameData, responseBytes: JSON.stringify(direttaFirst).length };
      for (const [server, url, query] of [
        ['Diretta', api.url, operation.diretta],
        ...(uncachedApi ? [['Diretta, cache off', uncachedApi.url, operation.diretta] as const] : []),
        ['PostGraphile', pgl.url, operation.postgraphile],
      ] as const) {
        const bodies = Array.from({ length: 64 }, (_, i) => JSON.stringify({ query, variables: operation.variables(i) }));
        const job = { url: `${url}/graphql`, connections: options.connections, bodies, overallRate: options.rateCap };
        if (options.warmupSeconds > 0) await runLoad({ ...job, durationSeconds: options.warmupSeconds });
        const result = await runLoad({ ...job, durationSeconds: options.durationSeconds });
        log(`reads: ${operation.name} on ${server}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.errors + result.non2xx} errors`);
        if (server === 'Diretta') figures.diretta = { server, ...result };
        else if (server === 'PostGraphile') figures.postgraphile = { server, ...result };
        else uncached.push({ operation: operation.name, ...result });
      }
      results.push(figures as ReadFigures);

      if (withMetrics) {
        const bodies = Array.from({ length: 64 }, (_, i) => JSON.stringify({ query: operation.diretta, variables: operation.variables(i) }));
        const pairs = [['on', api, withMetrics.cached] as const, ...(uncachedApi && withMetrics.uncached ? [['off', uncachedApi, withMetrics.uncached] as const] : [])];
        for (const [cache, off, on] of pairs) {
          // Both servers on the first CPU, the load generator on the second: each run measures what one core of the
          // server answers, undisturbed by the generator (see pinToCpus). Unpinned again after, for the other runs.
          const generator = (loadGenerator ??= startLoadGenerator());
          const pinned = pinToCpus(off.pid, '0') && pinToCpus(on.pid, '0') && pinToCpus(generator.service.pid, '1');
          const cost: MetricsCost = {
            operation: operation.name,
            cache,
            off: [],
            on: [],
            ratio: Number.NaN,
            sideBySide: [],
            sideBySideRatio: Number.NaN,
            sideBySidePerCpuRatio: Number.NaN,
            scrapes: 0,
            pinned,
            ...(options.metricsPairRate && !options.metricsWindows ? { pairRate: options.metricsPairRate } : {}),
            ...(options.metricsWindows ? { windows: options.metricsWindows } : {}),
            ...(options.metricsInProcess ? { inProcess: true } : {}),
            ...(options.metricsControl ? { control: true } : {}),
          };
          const scrapesBefore = scrapers.get(on)!.answered;
          // The server without metrics has just run this operation (warm-up and run above): its twin gets as much first.
          await runLoad({ url: `${on.url}/graphql`, connections: options.connections, bodies, overallRate: options.rateCap, durationSeconds: options.warmupSeconds + options.durationSeconds });
          for (let round = 0; round < (options.metricsRounds ?? 1); round++) {
            for (const [side, server] of [['off', off], ['on', on]] as const) {
              const job = { url: `${server.url}/graphql`, connections: options.connections, bodies, overallRate: options.rateCap };
              if (options.warmupSeconds > 0) await runLoad({ ...job, durationSeconds: options.warmupSeconds });
              const result = await runLoad({ ...job, durationSeconds: options.durationSeconds });
              cost[side].push(result);
              log(`reads: ${operation.name}, cache ${cache}, metrics ${side}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99} ms`);
            }
          }
          cost.ratio = median(cost.on.map((r) => r.requestsPerSecond)) / median(cost.off.map((r) => r.requestsPerSecond));
          if (pinned) {
            // Side by side: the twins above, then fresh pairs of the same two servers (one process may simply run
            // faster than another for the whole of its life, whatever its settings: more pairs, less of that luck).
            for (let pairIndex = 0; pairIndex < Math.max(1, options.metricsPairs ?? 1); pairIndex++) {
              // The twins themselves are a pair of processes, one of them with metrics: a fresh pair whenever the pairs must be otherwise.
              const twinsServe = pairIndex === 0 && !options.metricsInProcess && !options.metricsControl;
              const [pairOff, pairOn] = twinsServe ? ([off, on] as const) : await startPair(cache);
              if (![pairOff.pid, pairOn.pid].every((pid) => pinToCpus(pid, '0'))) {
                if (pairOff !== off) await retirePair([pairOff, pairOn]);
                continue;
              }
              const job = (server: Api, durationSeconds: number) => ({
                url: `${server.url}/graphql`,
                connections: options.connections,
                bodies,
                overallRate: options.metricsPairRate ?? options.rateCap,
                durationSeconds,
              });
              // A fresh pair gets as much load before it is measured as the twins got (the first runs above).
              const warmup = pairOff === off ? options.warmupSeconds : 2 * (options.warmupSeconds + options.durationSeconds);
              if (warmup > 0 && options.metricsWindows) for (const server of [pairOff, pairOn]) await runLoad({ ...job(server, warmup), overallRate: options.rateCap });
              else if (warmup > 0) await runSideBySide([job(pairOff, warmup), job(pairOn, warmup)]);
              const [offResult, onResult, cpu] = options.metricsWindows
                ? await alternateWindows(pairOff, pairOn, options.metricsWindows, options.durationSeconds, (server, seconds) => ({ ...job(server, seconds), overallRate: options.rateCap }))
                : await sideBySide(pairOff, pairOn, (server) => job(server, options.durationSeconds));
              const run = {
                off: offResult,
                on: onResult,
                ratio: onResult.requestsPerSecond / offResult.requestsPerSecond,
                perCpuRatio: onResult.requests / cpu[1] / (offResult.requests / cpu[0]),
              };
              cost.sideBySide.push(run);
              log(
                `reads: ${operation.name}, cache ${cache}, ${options.metricsWindows ? 'alternated windows' : 'side by side'} on one CPU: off ${run.off.requestsPerSecond.toFixed(0)} req/s, on ${run.on.requestsPerSecond.toFixed(0)} req/s (${run.ratio.toFixed(3)}; per CPU second ${run.perCpuRatio.toFixed(3)})`,
              );
              if (pairOff !== off) await retirePair([pairOff, pairOn]);
            }
            cost.sideBySideRatio = median(cost.sideBySide.map((r) => r.ratio));
            cost.sideBySidePerCpuRatio = median(cost.sideBySide.map((r) => r.perCpuRatio));
          }
          cost.scrapes = scrapers.get(on)!.answered - scrapesBefore;
          if (pinned) for (const pid of [off.pid, on.pid, generator.service.pid]) unpin(pid);
          metricsCosts.push(cost);
        }
      }
    }
    return {
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      ...(options.rateCap ? { rateCap: options.rateCap } : {}),
      targets: { stories: targets.stories.length, people: targets.people.length, terms: targets.terms },
      operations: results,
      ...(options.uncached ? { uncached } : {}),
      ...(withMetrics ? { metrics: metricsCosts, scrapeIntervalSeconds: options.scrapeIntervalSeconds ?? 1 } : {}),
    };
  } finally {
    await Promise.all([...pollers.values()].flat().map((poller) => poller.stop()));
    await pgl?.stop();
    await api.stop();
    await uncachedApi?.stop();
    await counting.stop();
    await withMetrics?.cached.stop();
    await withMetrics?.uncached?.stop();
    await retirePair([...extraServers]);
  }
}
