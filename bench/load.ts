/**
 * The HTTP load generator, a process of its own so that it does not share
 * an event loop with the server it measures: autocannon at a fixed
 * concurrency, cycling over a list of request bodies. One process serves a
 * whole benchmark run (bench/reads.ts starts it once): each job is a JSON
 * line on its stdin, and its figures the next `MSG <json>` line on stdout
 * (ClientChannel in bench/services.ts), so that no run pays for starting
 * Node, tsx and autocannon again. It ends when its stdin does.
 */
import { createInterface } from 'node:readline';
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

/** `run`: one job; `side-by-side`: several jobs at the same time (two servers compared under the same conditions), their results in order. */
export type LoadCommand = { cmd: 'run'; job: LoadJob } | { cmd: 'side-by-side'; jobs: LoadJob[] };
export type LoadMessage = { type: 'result'; result: LoadResult } | { type: 'results'; results: LoadResult[] };

async function run(job: LoadJob): Promise<LoadResult> {
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
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}

// One command at a time, in the order sent: two at once would measure each other (a side-by-side command
// runs its jobs together on purpose).
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as LoadCommand;
  queue = queue.then(async () => {
    const message: LoadMessage =
      command.cmd === 'run' ? { type: 'result', result: await run(command.job) } : { type: 'results', results: await Promise.all(command.jobs.map(run)) };
    process.stdout.write(`MSG ${JSON.stringify(message)}\n`);
  });
});
process.stdin.on('end', () => void queue.then(() => process.exit(0)));
