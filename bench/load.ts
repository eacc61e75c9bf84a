/**
 * The HTTP load generator, a process of its own so that it does not share
 * an event loop with the server it measures: autocannon at a fixed
 * concurrency, cycling over a list of request bodies. Reads its job from
 * the JSON file named by BENCH_LOAD_FILE (a job can be larger than an
 * environment variable may be) and prints one JSON line with the figures.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  connections: number;
  durationSeconds: number;
  bodies: string[];
  /** GET requests instead (paths with their query strings, e.g. trusted documents by hash): bodies are then ignored. */
  paths?: string[];
  headers?: Record<string, string>;
  /** Requests a second over all connections; unset, each connection sends its next request as soon as it is answered. */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

const file = process.env.BENCH_LOAD_FILE;
if (!file) throw new Error('BENCH_LOAD_FILE is not set');
const job = JSON.parse(readFileSync(file, 'utf8')) as LoadJob;

const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...job.headers };
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.durationSeconds,
  ...(job.overallRate ? { overallRate: job.overallRate } : {}),
  // Each connection walks the list in order, so the requests in flight spread over its bodies.
  requests: job.paths
    ? job.paths.map((path) => ({ method: 'GET' as const, path, headers: { accept: headers.accept, ...job.headers } }))
    : job.bodies.map((body) => ({ method: 'POST' as const, path: new URL(job.url).pathname, headers, body })),
});

const out: LoadResult = {
  requests: result.requests.total,
  requestsPerSecond: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  max: result.latency.max,
  errors: result.errors,
  non2xx: result.non2xx,
  timeouts: result.timeouts,
};
console.log(`RESULT ${JSON.stringify(out)}`);
