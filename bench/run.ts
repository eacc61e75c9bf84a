/**
 * `npm run bench -- [reads|newsroom|fanout|edge-reads|all] [options]`: runs the benchmarks
 * against the PostgreSQL database of DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/diretta_bench, filled by
 * `npm run bench:data`) and writes a markdown report (and its JSON) to
 * bench/results/.
 *
 *   --subscribers N   fan-out subscribers (default 10000)
 *   --sources N       fan-out: loopback source addresses the readers connect from (127.0.0.1…N; one holds ~28,000)
 *   --transports L    fan-out: graphql-ws,sse (default both), each beside the bare-ws floor in the same run
 *   --events N        entries published during the fan-out (default 20)
 *   --duration S      seconds of load per read run (default 15)
 *   --warmup S        seconds of load before each read run (default 3)
 *   --connections N   read concurrency (default 50)
 *   --no-uncached     skip the runs with Diretta's response cache off
 *   --metrics         reads: also Diretta with its metrics on (scraped all along) against off, per operation
 *   --scrape-interval S  seconds between scrapes of the servers with metrics (default 1; Prometheus' default is 15)
 *   --metrics-rounds N  off/on pairs per operation and cache setting (default 2; medians compared)
 *   --metrics-pairs N   pairs of server processes (off, on) run side by side on one CPU, per operation (default 3)
 *   --metrics-pair-rate N  hold each server of a side-by-side pair to N req/s (below what one CPU answers for both):
 *                     the pair then compares CPU per request at the same pace, which the scheduler's share cannot sway
 *   --metrics-in-process  with --metrics-windows: each pair's two servers are two apps in one fresh process
 *                     (bench/twin-api.ts), which share the luck two processes do not
 *   --metrics-control  neither server of a pair has metrics: the method's own spread, to read the others against
 *   --operations A,B  reads: only these operations ("story page", "person page", "search"); default all
 *   --metrics-windows N  instead of side by side, load each pair's servers one at a time at full speed, N rounds of
 *                     windows off, on, on, off (--duration s each): their throughputs compared (what #25's target names)
 *   --rates A,B,C     newsroom, edge-reads: entries a second the desk publishes, one run each (default 0,1,4)
 *   --rate-cap N      reads, newsroom, edge-reads: hold each run's reads to N requests a second (the test suite's smoke
 *                     run: it checks that every path answers, not how fast; the report says so); 0, as fast as answered
 *
 * `storm` (not in `all`: it needs Debian's haproxy): three instances behind haproxy, --subscribers readers resuming
 * from their cursors through an instance's SIGKILL and the other two's restarts (bench/storm.ts).
 *
 * `edge-reads` (not in `all`: it needs Debian's varnish and varnish-modules) runs the newsroom mix
 * through Varnish and straight to the API (bench/edge-reads.ts).
 * `edge` (not in `all`: it needs Debian's pushpin, condure and zurl) holds SSE readers in Pushpin in front
 * of two instances, against one instance directly and Pushpin alone (bench/edge-grip.ts), on a database
 * of its own (diretta_bench_edge, created on the server of DATABASE_URL).
 *   --readers N       edge: SSE readers (default 20000)
 *   --out DIR         where reports go (default bench/results)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runEdgeGrip } from './edge-grip.js';
import { runEdgeReads } from './edge-reads.js';
import { runFanout } from './fanout.js';
import { runStorm } from './storm.js';
import { runNewsroom } from './newsroom.js';
import { READ_OPERATION_NAMES, type ReadOperation } from './queries.js';
import { runReads } from './reads.js';
import { type BenchReport, describeEnvironment, renderMarkdown, targets } from './report.js';
import { ROOT, bundleChildScripts } from './services.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    subscribers: { type: 'string', default: '10000' },
    readers: { type: 'string', default: '20000' },
    sources: { type: 'string', default: '1' },
    transports: { type: 'string', default: 'graphql-ws,sse' },
    events: { type: 'string', default: '20' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'no-uncached': { type: 'boolean', default: false },
    metrics: { type: 'boolean', default: false },
    'metrics-rounds': { type: 'string', default: '2' },
    'metrics-pairs': { type: 'string', default: '3' },
    'metrics-pair-rate': { type: 'string', default: '0' },
    'metrics-windows': { type: 'string', default: '0' },
    'metrics-in-process': { type: 'boolean', default: false },
    'metrics-control': { type: 'boolean', default: false },
    operations: { type: 'string' },
    'scrape-interval': { type: 'string', default: '1' },
    rates: { type: 'string', default: '0,1,4' },
    'rate-cap': { type: 'string', default: '0' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});
const what = positionals[0] ?? 'all';
if (!['reads', 'newsroom', 'fanout', 'edge-reads', 'edge', 'storm', 'all'].includes(what)) {
  throw new Error('usage: npm run bench -- [reads|newsroom|fanout|edge-reads|edge|storm|all] [--subscribers N] [--duration S] [--rates 0,1,4] …');
}
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/diretta_bench';
/** --operations: names from READ_OPERATION_NAMES, comma-separated; unset, every read operation. */
const readOperationNames = (value: string | undefined): ReadOperation['name'][] | undefined => {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  const known = (name: string): name is ReadOperation['name'] => (READ_OPERATION_NAMES as readonly string[]).includes(name);
  if (!names.every(known)) throw new Error(`--operations takes read operations, comma-separated: ${READ_OPERATION_NAMES.join(', ')}`);
  return names;
};
const positive = (name: string, value: string | undefined) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a whole number`);
  return n;
};

if (values['metrics-in-process'] && positive('metrics-windows', values['metrics-windows']) === 0) {
  // Side by side, two apps in one process share its CPU time: what each was given cannot be told apart.
  throw new Error('--metrics-in-process needs --metrics-windows');
}

// The test suite's smoke run: children from bundles, not through tsx (see bundleChildScripts).
if (process.env.BENCH_BUNDLED === '1') await bundleChildScripts();

const started = performance.now();
const log = (message: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${message}`);

if (what === 'edge') {
  // A database of its own, with the demo story: nothing of bench:data is needed.
  const edgeGrip = await runEdgeGrip({ databaseUrl, readers: positive('readers', values.readers), events: positive('events', values.events), log });
  const edgeUrl = new URL(databaseUrl);
  edgeUrl.pathname = '/diretta_bench_edge';
  const report: BenchReport = { environment: await describeEnvironment(edgeUrl.toString()), edgeGrip };
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const name = `${report.environment.date.slice(0, 19).replace(/[:T]/g, '-')}-edge`;
  const markdown = renderMarkdown(report);
  writeFileSync(join(out, `${name}.md`), markdown);
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${markdown}`);
  log(`report written to ${join(out, `${name}.md`)}`);
  process.exit(0);
}

const report: BenchReport = { environment: await describeEnvironment(databaseUrl) };
if (report.environment.scale.entries === 0) throw new Error('the database has no entries: run `npm run bench:data` first');
log(`on ${databaseUrl.replace(/\/\/[^@]*@/, '//')}: ${report.environment.scale.entries} entries`);

if (what === 'reads' || what === 'all') {
  report.reads = await runReads({
    databaseUrl,
    connections: positive('connections', values.connections),
    durationSeconds: positive('duration', values.duration),
    warmupSeconds: positive('warmup', values.warmup),
    rateCap: positive('rate-cap', values['rate-cap']) || undefined,
    uncached: !values['no-uncached'],
    metrics: values.metrics,
    metricsRounds: Math.max(1, positive('metrics-rounds', values['metrics-rounds'])),
    metricsPairs: Math.max(1, positive('metrics-pairs', values['metrics-pairs'])),
    metricsPairRate: positive('metrics-pair-rate', values['metrics-pair-rate']) || undefined,
    metricsWindows: positive('metrics-windows', values['metrics-windows']) || undefined,
    metricsInProcess: values['metrics-in-process'],
    metricsControl: values['metrics-control'],
    operations: readOperationNames(values.operations),
    scrapeIntervalSeconds: Math.max(1, positive('scrape-interval', values['scrape-interval'])),
    log,
  });
}
if (what === 'newsroom' || what === 'all') {
  const rates = values.rates!.split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isFinite(r) || r < 0)) throw new Error('--rates takes entries a second, e.g. 0,1,4');
  report.newsroom = await runNewsroom({
    databaseUrl,
    connections: positive('connections', values.connections),
    durationSeconds: positive('duration', values.duration),
    warmupSeconds: positive('warmup', values.warmup),
    rateCap: positive('rate-cap', values['rate-cap']) || undefined,
    rates,
    uncached: !values['no-uncached'],
    log,
  });
}
if (what === 'edge-reads') {
  // Not part of `all`: it needs Debian's varnish and varnish-modules.
  const rates = values.rates!.split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isFinite(r) || r < 0)) throw new Error('--rates takes entries a second, e.g. 0,1,4');
  report.edgeReads = await runEdgeReads({
    databaseUrl,
    connections: positive('connections', values.connections),
    durationSeconds: positive('duration', values.duration),
    warmupSeconds: positive('warmup', values.warmup),
    rateCap: positive('rate-cap', values['rate-cap']) || undefined,
    rates,
    log,
  });
}
if (what === 'fanout' || what === 'all') {
  const transports = values.transports!.split(',').map((t) => t.trim()) as ('graphql-ws' | 'sse')[];
  if (transports.some((t) => t !== 'graphql-ws' && t !== 'sse')) throw new Error('--transports takes graphql-ws,sse');
  report.fanout = await runFanout({
    databaseUrl,
    subscribers: positive('subscribers', values.subscribers),
    events: positive('events', values.events),
    sources: Math.max(1, positive('sources', values.sources)),
    transports,
    log,
  });
}

if (what === 'storm') {
  // Not part of `all`: it needs Debian's haproxy. --subscribers is the number of readers.
  report.storm = await runStorm({ databaseUrl, readers: positive('subscribers', values.subscribers), sources: Math.max(1, positive('sources', values.sources)), log });
}

const out = resolve(values.out!);
mkdirSync(out, { recursive: true });
const name = `${report.environment.date.slice(0, 19).replace(/[:T]/g, '-')}-${what}`;
const markdown = renderMarkdown(report);
writeFileSync(join(out, `${name}.md`), markdown);
writeFileSync(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${markdown}`);
log(`report written to ${join(out, `${name}.md`)}`);
const missed = targets(report).filter((t) => !t.met);
if (missed.length) log(`targets not met: ${missed.map((t) => t.target).join('; ')}`);
