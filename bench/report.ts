/** The markdown report of a benchmark run: machine, versions, scale, figures, ratios and targets. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import postgres from 'postgres';
import type { EdgeReadsResults } from './edge-reads.js';
import { type FanoutResults, settleMs } from './fanout.js';
import { type EdgeGripResults, edgeGripTargets, renderEdgeGrip } from './edge-grip.js';
import type { StormResults } from './storm.js';
import type { NewsroomResults, NewsroomRun } from './newsroom.js';
import type { ReadResults } from './reads.js';
import { ROOT } from './services.js';

export interface Environment {
  date: string;
  cpu: string;
  cores: number;
  /** os.loadavg() when the run started: other work on the machine skews every figure. */
  loadAverage?: number[];
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  commit: string;
  versions: Record<string, string>;
  scale: Record<string, number>;
}

export interface BenchReport {
  environment: Environment;
  reads?: ReadResults;
  newsroom?: NewsroomResults;
  fanout?: FanoutResults;
  storm?: StormResults;
  edgeReads?: EdgeReadsResults;
  edgeGrip?: EdgeGripResults;
}

/** A package's installed version: the API's packages in node_modules/, the benchmark's own (PostGraphile, autocannon) in bench/node_modules/. */
function version(pkg: string): string {
  for (const modules of [`${ROOT}/node_modules`, `${ROOT}/bench/node_modules`]) {
    try {
      return (JSON.parse(readFileSync(`${modules}/${pkg}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      // Not installed there: the next place.
    }
  }
  return '?';
}

export async function describeEnvironment(databaseUrl: string): Promise<Environment> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ server }] = (await sql`select current_setting('server_version') as server`) as unknown as [{ server: string }];
    const [counts] = (await sql`
      select (select count(*) from stories)::int as stories, (select count(*) from entries)::int as entries,
             (select count(*) from people)::int as people, (select count(*) from places)::int as places,
             (select count(*) from quotes)::int as quotes,
             ((select count(*) from entry_people) + (select count(*) from entry_places))::int as mentions,
             (select count(*) from story_events)::int as events`) as unknown as [Record<string, number>];
    let commit = '?';
    try {
      commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
      // A run of code not yet committed says so: the commit alone would name code that did not run.
      const changed = execSync('git status --porcelain --untracked-files=no -- . ":(exclude)bench/results"', { cwd: ROOT }).toString().trim();
      if (changed) commit += ' with uncommitted changes';
    } catch {
      // not a git checkout
    }
    let kernel = '?';
    try {
      kernel = execSync('uname -sr').toString().trim();
    } catch {
      // not a Unix
    }
    return {
      date: new Date().toISOString(),
      cpu: cpus()[0]?.model ?? '?',
      cores: cpus().length,
      loadAverage: loadavg(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel,
      node: process.version,
      postgres: server,
      commit,
      versions: Object.fromEntries(['graphql-yoga', 'graphql-ws', 'ws', 'postgres', 'drizzle-orm', 'postgraphile', 'autocannon'].map((p) => [p, version(p)])),
      scale: counts!,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 1 : 0)} ms` : '—');
const num = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : '—');
const yes = (ok: boolean) => (ok ? 'met' : '**not met**');
/** Bytes as kilobytes, one decimal. */
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
/** One more idle reader's RSS (the second half's growth), or, in reports older than it, the average over all readers. */
const oneMore = (side: { rssPerSubscriberBytes?: number; rssPerAddedSubscriberBytes?: number }) => side.rssPerAddedSubscriberBytes ?? side.rssPerSubscriberBytes;

/** A section's heading note when its reads were held to a rate (--rate-cap): a smoke run, whose throughput and latency mean nothing. */
const capped = (rateCap: number | undefined) => (rateCap ? `, reads held to ${rateCap} req/s (a smoke run: throughput and latency figures measure nothing)` : '');

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** How often the servers with metrics were scraped, against Prometheus' default of 15 s. */
function scrapeInterval(seconds = 1): string {
  if (seconds === 15) return "every 15 s, Prometheus' default";
  return `every ${seconds === 1 ? 'second' : `${seconds} s`}, ${seconds < 15 ? `${Number((15 / seconds).toFixed(1))} times as often as` : 'less often than'} Prometheus' default`;
}

/**
 * The targets, each comparing like with like: Diretta with its cache off
 * against PostGraphile (which has none); Diretta with its cache on against
 * PostGraphile only where the label says so, under the same reads and the
 * same writes (the newsroom mix, where the cache has to earn its keep).
 */
export function targets(report: BenchReport): Target[] {
  const list: Target[] = [];
  const { reads, newsroom, fanout, edgeReads, storm } = report;
  if (storm) {
    list.push({ target: `storm (${storm.readers} readers): 0 lost, 0 duplicates, in order`, measured: `${storm.summary.lost} / ${storm.summary.duplicates} / ${storm.summary.outOfOrder}`, met: storm.summary.lost === 0 && storm.summary.duplicates === 0 && storm.summary.outOfOrder === 0 });
    list.push({ target: 'storm: p99 disconnect → caught up ≤ 5 s', measured: ms(storm.summary.caughtUp.p99), met: storm.summary.caughtUp.p99 <= 5_000 && storm.summary.neverCaughtUp === 0 });
    list.push({ target: 'storm: no instance crash or out-of-memory', measured: String(storm.crashes), met: storm.crashes === 0 });
  }
  if (edgeReads) {
    const edge = edgeReads.runs.find((r) => r.path === 'Varnish → API' && r.rate === 1);
    const api = edgeReads.runs.find((r) => r.path === 'API (cache on)' && r.rate === 1);
    if (edge) {
      list.push({ target: 'edge at 1 entry/s: Varnish hit ratio ≥ 95 %', measured: edge.hitRatio === null ? '—' : `${(edge.hitRatio * 100).toFixed(1)} %`, met: (edge.hitRatio ?? 0) >= 0.95 });
      list.push({
        target: "edge at 1 entry/s: req/s through Varnish ≥ 3× the API's own (cache on), same run",
        measured: api ? `${num(edge.reads.requestsPerSecond)} vs ${num(api.reads.requestsPerSecond)} (${ratio(edge.reads.requestsPerSecond, api.reads.requestsPerSecond)})` : 'API not measured',
        met: !!api && edge.reads.requestsPerSecond >= 3 * api.reads.requestsPerSecond,
      });
      list.push({ target: 'edge at 1 entry/s: reads p99 ≤ 20 ms through Varnish', measured: ms(edge.reads.p99), met: edge.reads.p99 <= 20 });
    }
    for (const run of edgeReads.runs.filter((r) => r.path === 'Varnish → API' && r.rate > 0 && r.staleness)) {
      const stale = run.staleness!;
      list.push({
        target: `edge at ${run.rate} entr${run.rate === 1 ? 'y' : 'ies'}/s: staleness p99 ≤ 1 s after commit, every entry fresh`,
        measured: `p99 ${ms(stale.p99)} over ${stale.samples} entries, ${stale.notFresh} not fresh within 10 s`,
        met: stale.samples > 0 && stale.p99 <= 1000 && stale.notFresh === 0,
      });
    }
  }
  if (reads) {
    for (const op of reads.operations) {
      const uncached = reads.uncached?.find((u) => u.operation === op.operation);
      list.push({
        target: `reads, ${op.operation}, ${reads.connections} connections, no writes, cache off: Diretta req/s ≥ 1.0× PostGraphile (no cache)`,
        measured: uncached
          ? `${num(uncached.requestsPerSecond)} vs ${num(op.postgraphile.requestsPerSecond)} (${ratio(uncached.requestsPerSecond, op.postgraphile.requestsPerSecond)})`
          : 'not measured (--no-uncached)',
        met: !!uncached && uncached.requestsPerSecond >= op.postgraphile.requestsPerSecond,
      });
    }
    const scrapes = scrapeInterval(reads.scrapeIntervalSeconds);
    // A control pair has metrics on neither side: the method's spread, shown beside the figures, not a target.
    for (const cost of (reads.metrics ?? []).filter((c) => !c.control)) {
      const alternated = `alternated ${num(Math.min(...cost.on.map((r) => r.requestsPerSecond)))}–${num(Math.max(...cost.on.map((r) => r.requestsPerSecond)))} vs ${num(Math.min(...cost.off.map((r) => r.requestsPerSecond)))}–${num(Math.max(...cost.off.map((r) => r.requestsPerSecond)))} req/s (medians ${ratio(cost.ratio, 1)})`;
      const sideBySide = cost.sideBySide.length > 0;
      list.push({
        target: `reads, ${cost.operation}, cache ${cost.cache}: Diretta with metrics on (scraped ${scrapes}) ≥ 0.97× its throughput with them off${
          !sideBySide
            ? ''
            : cost.windows
              ? ` (pairs${cost.inProcess ? ' of apps in one process' : ''} on one CPU, loaded one at a time at full speed in ${cost.windows} rounds of windows off, on, on, off: throughput, median of the pairs)`
              : cost.pairRate
                ? ` (side by side on one CPU, each held to ${num(cost.pairRate)} req/s: requests per CPU second, median of the pairs)`
                : ' (side by side on one CPU: req/s and requests per CPU second, medians of the pairs)'
        }`,
        measured: sideBySide ? `${cost.windows ? 'alternated windows' : 'side by side'} ${cost.sideBySideRatio.toFixed(3)}× req/s, ${cost.sideBySidePerCpuRatio.toFixed(3)}× per CPU second (${cost.sideBySide.length} pairs); ${alternated}` : alternated,
        // Held to one pace, both servers answer the same req/s by construction: their CPU per request is the figure.
        // Loaded one at a time at full speed, throughput is the figure (the issue's own measure).
        met: sideBySide ? (cost.windows ? cost.sideBySideRatio >= 0.97 : (!!cost.pairRate || cost.sideBySideRatio >= 0.97) && cost.sideBySidePerCpuRatio >= 0.97) : cost.ratio >= 0.97,
      });
    }
    const independent = reads.operations.every((o) => new Set(o.statements.map((s) => s.statements)).size === 1);
    list.push({
      target: 'SQL statements per request independent of page size',
      measured: reads.operations.map((o) => `${o.operation} ${o.statements.map((s) => s.statements).join('/')}`).join(', '),
      met: independent,
    });
  }
  if (newsroom) {
    const run = (server: NewsroomRun['server'], rate: number) => newsroom.runs.find((r) => r.server === server && r.rate === rate);
    for (const [rate, times, p99] of [
      [1, 5, 50],
      [4, 3, 100],
    ] as const) {
      const diretta = run('Diretta, cache on', rate);
      const pgl = run('PostGraphile (no cache)', rate);
      if (!diretta) continue;
      list.push({
        target: `newsroom at ${rate} entr${rate === 1 ? 'y' : 'ies'}/s, ${newsroom.connections} connections: Diretta (cache on) req/s ≥ ${times}× PostGraphile (no cache) on the same mix`,
        measured: pgl ? `${num(diretta.reads.requestsPerSecond)} vs ${num(pgl.reads.requestsPerSecond)} (${ratio(diretta.reads.requestsPerSecond, pgl.reads.requestsPerSecond)})` : 'PostGraphile not measured',
        met: !!pgl && diretta.reads.requestsPerSecond >= times * pgl.reads.requestsPerSecond,
      });
      list.push({ target: `newsroom at ${rate} entr${rate === 1 ? 'y' : 'ies'}/s: Diretta (cache on) reads p99 ≤ ${p99} ms`, measured: ms(diretta.reads.p99), met: diretta.reads.p99 <= p99 });
      list.push({
        target: `newsroom at ${rate} entr${rate === 1 ? 'y' : 'ies'}/s: publish latency p99 ≤ 100 ms under the read load (Diretta, cache on), every entry published`,
        measured: `${ms(diretta.publish.p99)}, ${diretta.publish.completed}/${diretta.publish.attempted} published`,
        met: diretta.publish.p99 <= 100 && diretta.publish.completed === diretta.publish.attempted,
      });
    }
  }
  if (fanout) {
    const sides = [fanout.api, ...(fanout.sse ? [fanout.sse] : [])];
    for (const s of sides) {
      const name = s.transport ?? 'graphql-ws';
      list.push({ target: `fan-out to ${fanout.subscribers} (${name}): 0 messages lost, repeated or out of order`, measured: `${s.lost} / ${s.duplicates} / ${s.outOfOrder}`, met: s.lost === 0 && s.duplicates === 0 && s.outOfOrder === 0 });
      list.push({ target: `fan-out (${name}): p99 ≤ 1.5× the bare-ws floor`, measured: ratio(s.latency.p99, fanout.floor.latency.p99), met: s.latency.p99 <= 1.5 * fanout.floor.latency.p99 });
      const ownFloor = name === 'sse' ? fanout.sseFloor : fanout.floor;
      if (name === 'sse' && ownFloor) {
        list.push({ target: `fan-out (sse): p99 ≤ 1.5× the bare SSE floor (Node's HTTP server holding the streams)`, measured: ratio(s.latency.p99, ownFloor.latency.p99), met: s.latency.p99 <= 1.5 * ownFloor.latency.p99 });
      }
      const budget = name === 'sse' ? 8 : 16;
      // One more reader (the second half's growth) when measured: what the first readers grow once is not a reader's.
      const added = s.rssPerAddedSubscriberBytes;
      const floorBytes = ownFloor ? oneMore(ownFloor) : undefined;
      const floorMemory = floorBytes === undefined ? '' : ` (the ${name === 'sse' ? 'bare SSE' : 'bare ws'} floor: ${kb(floorBytes)})`;
      list.push({
        target: `fan-out (${name}): ≤ ${budget} KB of API RSS per idle reader${added === undefined ? '' : ' (one more reader: the RSS the second half of the readers added, each)'}`,
        measured: `${kb(oneMore(s)!)}${floorMemory}${added === undefined ? '' : `; ${kb(s.rssPerSubscriberBytes)} averaged over all readers`}`,
        met: oneMore(s)! <= budget * 1024,
      });
    }
  }
  if (report.edgeGrip) list.push(...edgeGripTargets(report.edgeGrip));
  return list;
}

export function renderMarkdown(report: BenchReport): string {
  const { environment: env, reads, newsroom, fanout, edgeReads } = report;
  const lines: string[] = [];
  lines.push(`# Diretta benchmark, ${env.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  lines.push(`- Machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.kernel}`);
  lines.push(`- Node ${env.node}, PostgreSQL ${env.postgres}, Diretta ${env.commit}`);
  lines.push(`- ${Object.entries(env.versions).map(([p, v]) => `${p} ${v}`).join(', ')}`);
  lines.push(`- Data: ${Object.entries(env.scale).map(([k, v]) => `${v.toLocaleString('en')} ${k}`).join(', ')}`);
  lines.push('- Everything on this one machine: the database, the server under test and the load generator share its cores.');
  if (env.loadAverage) lines.push(`- Load average when the run started (1, 5, 15 min): ${env.loadAverage.map((v) => v.toFixed(1)).join(', ')} on ${env.cores} cores: other work shared the machine`);
  lines.push('');
  if (reads) {
    lines.push(`## Reads: ${reads.connections} concurrent connections, ${reads.durationSeconds} s per run${capped(reads.rateCap)}, no writes`, '');
    lines.push('Each operation alone, its requests rotating over many variables. PostGraphile has no response cache: every one of its requests is executed.', '');
    if (reads.uncached) {
      lines.push('**Cache off: like for like.** Diretta with RESPONSE_CACHE_TTL_MS=0 (every request executed, as for a cold page or a reader with a token) against PostGraphile:', '');
      lines.push('| operation | Diretta (cache off) req/s | p50 | p99 | PostGraphile (no cache) req/s | p50 | p99 | Diretta/PostGraphile |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const u of reads.uncached) {
        const p = reads.operations.find((o) => o.operation === u.operation)!.postgraphile;
        lines.push(`| ${u.operation} | ${num(u.requestsPerSecond)} | ${ms(u.p50)} | ${ms(u.p99)} | ${num(p.requestsPerSecond)} | ${ms(p.p50)} | ${ms(p.p99)} | ${ratio(u.requestsPerSecond, p.requestsPerSecond)} |`);
      }
      lines.push('');
    }
    lines.push('**Cache on, no writes: not like for like.** Diretta answers repeated anonymous queries from its response cache; PostGraphile executes every request:', '');
    lines.push('| operation | Diretta (cache on) req/s | p50 | p99 | SQL statements per execution (page 5 / default / 100) | PostGraphile (no cache) req/s | p50 | p99 | req/s Diretta (cache on)/PostGraphile | same data |');
    lines.push('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |');
    for (const op of reads.operations) {
      const d = op.diretta;
      const p = op.postgraphile;
      lines.push(
        `| ${op.operation} | ${num(d.requestsPerSecond)} | ${ms(d.p50)} | ${ms(d.p99)} | ${op.statements.map((s) => s.statements).join(' / ')} | ${num(p.requestsPerSecond)} | ${ms(p.p50)} | ${ms(p.p99)} | ${ratio(d.requestsPerSecond, p.requestsPerSecond)} | ${op.sameData ? 'yes' : 'no'} |`,
      );
    }
    if (reads.metrics?.length) {
      const placement = reads.metrics.every((c) => c.pinned)
        ? ' Both servers ran on CPU 0 and the load generator on CPU 1 (taskset): each figure is what one core of the server answers.'
        : ' The servers and the load generator shared every CPU (no taskset, or one CPU).';
      lines.push(
        '',
        `**Metrics on against off.** The same Diretta twice, one with METRICS_PORT set, the other with no metrics at all. From its start to the end of the run, Prometheus' part (/metrics scraped ${scrapeInterval(reads.scrapeIntervalSeconds)}) and a load balancer's (/ready on both every 500 ms, as scripts/haproxy.ts checks) are played. First alternated runs, whose medians are compared:${placement}`,
        '',
      );
      lines.push('| operation | cache | metrics off req/s (runs) | metrics on req/s (runs) | on/off (medians) | p99 off | p99 on | scrapes |', '| --- | --- | --- | --- | ---: | ---: | ---: | ---: |');
      for (const c of reads.metrics) {
        const runs = (results: { requestsPerSecond: number }[]) => results.map((r) => num(r.requestsPerSecond)).join(', ');
        const p99 = (results: { p99: number }[]) => ms(Math.max(...results.map((r) => r.p99)));
        lines.push(`| ${c.operation} | ${c.cache} | ${runs(c.off)} | ${runs(c.on)} | ${ratio(c.ratio, 1)} | ${p99(c.off)} | ${p99(c.on)} | ${c.scrapes} |`);
      }
      if (reads.metrics.some((c) => c.sideBySide.length > 0)) {
        lines.push(
          '',
          reads.metrics.some((c) => c.inProcess)
            ? '**Pairs of apps in one process** (what the target is checked on): fresh processes, each serving the two servers, pinned to CPU 0. Per pair: req/s off / on, their ratio, and the ratio of requests per CPU second (the process\'s user and system time in each one\'s windows, from /proc):'
            : reads.metrics.some((c) => c.windows)
            ? '**Pairs of fresh processes** (what the target is checked on): the twins above, then fresh processes of the two servers, both pinned to CPU 0. Per pair: req/s off / on, their ratio, and the ratio of requests per CPU second each was given (its user and system time in its windows, from /proc):'
            : '**Side by side** (what the target is checked on). Pairs of the two servers (the twins above, then fresh processes), each pair loaded at the same time on CPU 0 (the scheduler gives each about half of it) with the same connections: whatever slows the machine during a run slows both alike, which alternated runs cannot promise. Per pair: req/s off / on, their ratio, and the ratio of requests per CPU second each was given (its user and system time in the run, from /proc):',
          '',
        );
        const windows = reads.metrics.find((c) => c.windows)?.windows;
        if (windows) lines.push(`Here the two servers of each pair were not loaded together but one at a time, at full speed, in ${windows} rounds of windows off, on, on, off (--metrics-windows; each window after a second of the same load), and each server's windows summed: its req/s is its throughput, and this shared machine's drift over minutes falls alike on both within a round.`, '');
        if (reads.metrics.some((c) => c.inProcess)) {
          lines.push(
            "Here each pair's two servers were two apps in one process (--metrics-in-process, bench/twin-api.ts), each pair a fresh process (the alternated runs above are of two processes): two processes of the same program can run at different speeds for their whole lives, by more than the few per cent compared, and two apps in one process share that luck. What is process-wide runs under both: prom-client's default collectors (the garbage collector's observer, the event-loop monitor), which the app with metrics turns on.",
            '',
          );
        }
        if (reads.metrics.some((c) => c.control)) lines.push('Rows marked *control* had metrics on neither side (--metrics-control): how far apart two identical servers measure by this method.', '');
        const paced = reads.metrics.find((c) => c.pairRate)?.pairRate;
        if (paced) lines.push(`Here each server of a pair was held to ${num(paced)} req/s (--metrics-pair-rate), below what the CPU answers for both: the two do the same work at the same pace, and the per CPU second ratio compares their CPU per request, which the scheduler's share cannot sway (a server given less of the CPU batches more requests per turn of its event loop, and pays less for each).`, '');
        lines.push('| operation | cache | pairs: off / on req/s (on/off; per CPU second) | on/off (median) | per CPU second (median) |', '| --- | --- | --- | ---: | ---: |');
        for (const c of reads.metrics) {
          const runs = c.sideBySide.map((r) => `${num(r.off.requestsPerSecond)} / ${num(r.on.requestsPerSecond)} (${r.ratio.toFixed(3)}; ${r.perCpuRatio.toFixed(3)})`).join(', ');
          lines.push(`| ${c.operation}${c.control ? ' (*control*)' : ''} | ${c.cache} | ${runs} | ${ratio(c.sideBySideRatio, 1)} | ${ratio(c.sideBySidePerCpuRatio, 1)} |`);
        }
      }
    }
    const failures = reads.operations.flatMap((o) => [o.diretta, o.postgraphile]).reduce((sum, r) => sum + r.errors + r.non2xx + r.timeouts, 0);
    lines.push('', `Requests rotate over ${reads.targets.stories} stories, ${reads.targets.people} people with at least 50 quotes and ${reads.targets.terms.length} search terms. Failed requests: ${failures}.`);
    lines.push('');
  }
  if (newsroom) {
    lines.push(`## Newsroom: reads while a desk publishes, ${newsroom.connections} concurrent connections, ${newsroom.durationSeconds} s per run${capped(newsroom.rateCap)}`, '');
    lines.push(
      `Reads: ${newsroom.mix}, story pages rotating over every story. The desk publishes into random stories on a fixed schedule, each entry mentioning a much-quoted person and carrying a quote of theirs; Diretta's desk goes through its API (\`createEntry\`), PostGraphile's writes the same rows with SQL. Publish latency: request sent → answer received, under the read load. Before the runs, each server gets a warm-up of the same mix with the desk publishing once a second (not measured).`,
      '',
    );
    lines.push('| desk (entries/s) | server | reads req/s | p50 | p99 | cache hits | published | publish p50 | publish p99 | req/s vs PostGraphile (no cache), same load |');
    lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const rates = [...new Set(newsroom.runs.map((r) => r.rate))];
    for (const rate of rates) {
      const pgl = newsroom.runs.find((r) => r.rate === rate && r.server === 'PostGraphile (no cache)');
      for (const r of newsroom.runs.filter((x) => x.rate === rate)) {
        const published = rate === 0 ? '—' : `${r.publish.completed}/${r.publish.attempted} (${r.publish.achievedPerSecond.toFixed(1)}/s)`;
        const vs = pgl && r !== pgl ? ratio(r.reads.requestsPerSecond, pgl.reads.requestsPerSecond) : '';
        lines.push(
          `| ${rate} | ${r.server} | ${num(r.reads.requestsPerSecond)} | ${ms(r.reads.p50)} | ${ms(r.reads.p99)} | ${r.cacheHitRate === null ? '—' : `${(r.cacheHitRate * 100).toFixed(0)} %`} | ${published} | ${rate === 0 ? '—' : ms(r.publish.p50)} | ${rate === 0 ? '—' : ms(r.publish.p99)} | ${vs} |`,
        );
      }
    }
    const failures = newsroom.runs.reduce((sum, r) => sum + r.reads.errors + r.reads.non2xx + r.reads.timeouts + r.publish.failed, 0);
    lines.push('', `Failed requests and publishes: ${failures}. "cache off" is Diretta with RESPONSE_CACHE_TTL_MS=0: its ratio to PostGraphile is the like-for-like one.`, '');
  }
  if (fanout) {
    const sides = [fanout.api, ...(fanout.sse ? [fanout.sse] : [])];
    lines.push(`## Fan-out: ${fanout.subscribers.toLocaleString('en')} readers on one story, ${fanout.events} entries published, from ${fanout.sources ?? 1} loopback source address(es)`, '');
    lines.push('| | first | p50 | p99 | max | lost | duplicates | out of order | connect time | API RSS per idle reader |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, s] of [
      ...sides.map((a) => [`Diretta ${a.transport ?? 'graphql-ws'} (commit → receipt)`, a] as const),
      ['bare ws floor (send → receipt)', fanout.floor] as const,
      ...(fanout.sseFloor ? [['bare SSE floor (send → receipt)', fanout.sseFloor] as const] : []),
    ]) {
      const perReader =
        s.rssPerSubscriberBytes === undefined ? '' : `${kb(s.rssPerSubscriberBytes)}${s.rssPerAddedSubscriberBytes === undefined ? '' : ` (${kb(s.rssPerAddedSubscriberBytes)})`}`;
      lines.push(`| ${name} | ${ms(s.latency.min)} | ${ms(s.latency.p50)} | ${ms(s.latency.p99)} | ${ms(s.latency.max)} | ${s.lost} | ${s.duplicates} | ${s.outOfOrder} | ${s.connectSeconds.toFixed(1)} s (${s.failedConnections} failed) | ${perReader} |`);
    }
    for (const a of sides) lines.push(`| ratio ${a.transport ?? 'graphql-ws'}/floor | | ${ratio(a.latency.p50, fanout.floor.latency.p50)} | ${ratio(a.latency.p99, fanout.floor.latency.p99)} | ${ratio(a.latency.max, fanout.floor.latency.max)} | | | | | |`);
    const sseFloor = fanout.sseFloor;
    // `sse` when both transports ran; the only side when SSE ran alone.
    const sse = sides.find((a) => a.transport === 'sse');
    if (sse && sseFloor) {
      const memory = oneMore(sse)! / (oneMore(sseFloor) ?? Number.NaN);
      lines.push(`| ratio sse/bare SSE floor | | ${ratio(sse.latency.p50, sseFloor.latency.p50)} | ${ratio(sse.latency.p99, sseFloor.latency.p99)} | ${ratio(sse.latency.max, sseFloor.latency.max)} | | | | | ${Number.isFinite(memory) ? `${memory.toFixed(2)}×` : ''} |`);
    }
    lines.push(
      '',
      `Messages of ${fanout.messageBytes} bytes (graphql-ws; the floor sends the same size). Each transport runs against a fresh API process (LIVE_ADMISSION_RATE=0), its RSS read from /proc before the readers connect and with them idle after a warm-up event: ${sides.map((a) => `${a.transport ?? 'graphql-ws'} ${(a.rssBeforeBytes / 2 ** 20).toFixed(0)} → ${(a.rssIdleBytes / 2 ** 20).toFixed(0)} MiB`).join(', ')}.`,
      ...(fanout.floor.rssPerSubscriberBytes === undefined
        ? []
        : [
            `The floors' memory is read the same way, on the bare server (bench/bare-ws.ts): a \`ws\` socket${sseFloor ? ', and an SSE stream held open by Node\'s own HTTP server (its request, response and socket)' : ''}, with nothing of GraphQL on it. No server on Node holds a reader for less.`,
            ...(fanout.api.rssPerAddedSubscriberBytes === undefined
              ? []
              : [
                  `Readers connect in two halves, each followed by an event they all receive and ${settleMs(fanout.subscribers) / 1000} s idle; the RSS column gives the growth over all readers divided by them, and in brackets the growth while the second half connected divided by it: what one more idle reader costs an instance that already holds thousands (the heap spaces, code and caches the first readers grow once are not counted again). The targets are judged on the bracketed figure.`,
                ]),
          ]),
      'Commit time is the event\'s `occurredAt` (the transaction\'s start, so the figure includes the publishing transaction itself).',
      '',
      '<details><summary>Per event (Diretta)</summary>',
      '',
      '| sequence | first | p50 | p99 | max | received |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      ...fanout.api.perEvent.map((e) => `| ${e.seq} | ${ms(e.min)} | ${ms(e.p50)} | ${ms(e.p99)} | ${ms(e.max)} | ${e.count} |`),
      '',
      '</details>',
      '',
    );
  }
  if (edgeReads) {
    lines.push(`## Reads at the edge: the newsroom mix through Varnish, ${edgeReads.connections} concurrent connections, ${edgeReads.durationSeconds} s per run${capped(edgeReads.rateCap)}`, '');
    lines.push(
      `Reads: ${edgeReads.mix}. Through Varnish (deploy/varnish/diretta.vcl, started by scripts/edge/varnish.ts) the mix's documents are trusted documents asked for by hash with GET, and every publish reaches Varnish as an xkey soft purge through the API's purge outbox; straight to the API they are POSTs answered by its response cache. Hit ratio: varnishstat's cache_hit / (cache_hit + cache_miss) over the run. Staleness: from the desk's publish answered to the first story page read at the edge that shows the entry (probed every 10 ms on the URL the mix's readers ask for).`,
      '',
    );
    lines.push('| desk (entries/s) | path | reads req/s | p50 | p99 | edge hit ratio | staleness p50 | staleness p99 | not fresh in 10 s | published |');
    lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of edgeReads.runs) {
      const stale = r.staleness && r.staleness.samples > 0 ? r.staleness : null;
      lines.push(
        `| ${r.rate} | ${r.path} | ${num(r.reads.requestsPerSecond)} | ${ms(r.reads.p50)} | ${ms(r.reads.p99)} | ${r.hitRatio === null ? '—' : `${(r.hitRatio * 100).toFixed(1)} %`} | ${stale ? ms(stale.p50) : '—'} | ${stale ? ms(stale.p99) : '—'} | ${r.staleness ? r.staleness.notFresh : '—'} | ${r.rate === 0 ? '—' : `${r.published} (${r.publishFailed} failed)`} |`,
      );
    }
    const failures = edgeReads.runs.reduce((sum, r) => sum + r.reads.errors + r.reads.non2xx + r.reads.timeouts + r.publishFailed, 0);
    lines.push('', `Failed requests and publishes: ${failures}.`, '');
  }
  if (report.edgeGrip) lines.push(...renderEdgeGrip(report.edgeGrip));
  if (report.storm) {
    const st = report.storm;
    const s = st.summary;
    const spread = (st.proxies ?? 1) > 1 || (st.readerProcesses ?? 1) > 1 ? ` (${st.proxies ?? 1} haproxy processes, the readers in ${st.readerProcesses ?? 1} processes: one process may hold only so many open files here)` : '';
    lines.push(`## Reconnect storm: ${st.readers.toLocaleString('en')} readers, ${st.instances} instances behind haproxy${spread}`, '');
    lines.push(
      `The desk publishes an entry every 500 ms throughout (${st.events} events). Readers follow the story through haproxy (leastconn, /ready checked every 500 ms) with \`after: <cursor>\` and resume after their last cursor, waiting as told when turned away (1013) and with full jitter otherwise. Admission control: LIVE_ADMISSION_RATE=${st.admission.rate}, LIVE_ADMISSION_BURST=${st.admission.burst}. First connection of all readers: ${st.connectSeconds.toFixed(1)} s.`,
      '',
      '| phase | seconds | machine CPU busy |',
      '| --- | ---: | ---: |',
      ...st.phases.map((p) => `| ${p.name} | ${p.seconds.toFixed(1)} | ${p.machineBusy === undefined ? '' : `${(p.machineBusy * 100).toFixed(0)} %`} |`),
      '',
      '| events owed (readers × events) | lost | duplicates | out of order | disconnections | turned away (1013) | other failed attempts | subscriptions refused | disconnect → caught up p50 | p99 | max | still away at the end | never caught up | instance crashes | peak RSS per instance |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      `| ${s.expected} | ${s.lost} | ${s.duplicates} | ${s.outOfOrder} | ${s.disconnects} | ${s.turnedAway} | ${s.failedAttempts} | ${s.refusedSubscriptions ?? '—'} | ${ms(s.caughtUp.p50)} | ${ms(s.caughtUp.p99)} | ${ms(s.caughtUp.max)} | ${s.stillAway} | ${s.neverCaughtUp} | ${st.crashes} | ${st.peakRssMiB.map((v) => `${v} MiB`).join(', ')} |`,
      '',
      ...(s.failedBy && Object.keys(s.failedBy).length
        ? [
            `Failed attempts by cause: ${Object.entries(s.failedBy)
              .sort((a, b) => b[1] - a[1])
              .map(([cause, count]) => `${cause} ${count}`)
              .join(', ')}.`,
            '',
          ]
        : []),
      'Caught up: from the moment a reader lost its socket until it had received the last event committed before that moment (or was subscribed again, when it already had it).',
      '',
    );
  }
  const list = targets(report);
  if (list.length) {
    lines.push('## Targets', '');
    if (reads?.rateCap || newsroom?.rateCap || edgeReads?.rateCap) lines.push('**A rate-capped smoke run (--rate-cap): the throughput and latency targets below are not judged by it.**', '');
    lines.push('| target | measured | |', '| --- | --- | --- |');
    for (const t of list) lines.push(`| ${t.target} | ${t.measured} | ${yes(t.met)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
