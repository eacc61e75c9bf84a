/**
 * The processes a benchmark runs: the API, PostGraphile, the bare ws server
 * and the load generators, each a child process of its own with a raised
 * open-files limit (10,000 sockets need as many descriptors on each side).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { PluginBuild } from 'esbuild';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../scripts/edge/processes.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_JWT_SECRET = 'diretta-benchmark-secret-at-least-32-characters';
const OPEN_FILES = 65_536;

export interface Service {
  process: ChildProcess;
  pid: number;
  /** Output so far, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The child scripts of `all` and `edge-reads`, what the smoke run runs (the others' children run through tsx). */
const CHILD_SCRIPTS = ['src/main.ts', 'bench/postgraphile.ts', 'bench/load.ts', 'bench/fanout-clients.ts', 'bench/bare-ws.ts'];
/** Each child script's bundle (bundleChildScripts), by script. */
const bundles = new Map<string, string>();

/**
 * Builds each child script into one file of its own (esbuild, packages left to node_modules), so that startNode
 * runs it with plain node instead of through tsx: the same code without tsx's module hooks, which cost an API start
 * about 1.8 s of CPU (3.6 s through tsx, 1.8 s bundled). The test suite's smoke run (BENCH_BUNDLED=1) starts a
 * dozen children on two cores shared with the rest of the suite; a report's figures are of servers run as
 * `npm start` runs them, through tsx. Each bundle sits in a `.bundle/` beside its script, where its imports resolve
 * as the script's own (bench/'s packages are in bench/node_modules), and every `import.meta` of a bundled module
 * keeps naming its own file (the migrations and the site's assets are found from there).
 */
export async function bundleChildScripts(): Promise<void> {
  const { build } = await import('esbuild');
  const ownFile = {
    name: 'own-import-meta',
    setup(builder: PluginBuild) {
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        const url = pathToFileURL(args.path).href;
        const text = (await readFile(args.path, 'utf8'))
          .replaceAll('import.meta.url', JSON.stringify(url))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
        return { contents: text, loader: 'ts' };
      });
    },
  };
  await Promise.all(
    CHILD_SCRIPTS.map(async (script) => {
      const outfile = join(ROOT, dirname(script), '.bundle', `${basename(script, '.ts')}.mjs`);
      await build({ entryPoints: [join(ROOT, script)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', plugins: [ownFile], logLevel: 'warning' });
      bundles.set(script, outfile);
    }),
  );
}

/** Starts `node --import tsx <script>` (or its bundle: bundleChildScripts) through bash so that `ulimit -n` applies to it. */
export function startNode(script: string, env: Record<string, string>, options: { stdin?: boolean; nodeArgs?: string[] } = {}): Service {
  const bundle = bundles.get(script);
  const args = [...(options.nodeArgs ?? []), ...(bundle ? [bundle] : ['--import', 'tsx', script])].join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n $(ulimit -Hn); exec node ${args}`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A typed request/answer channel to a client process of the benchmarks (bench/*-clients.ts): a command is
 * a JSON line on its stdin, its answer the next `MSG <json>` line on its stdout; answers come in order.
 */
export class ClientChannel<Command extends { cmd: string }, Message extends { type: string }> {
  private pending: ((message: Message) => void)[] = [];
  constructor(readonly service: Service) {
    createInterface({ input: service.process.stdout! }).on('line', (line) => {
      if (line.startsWith('MSG ')) this.pending.shift()?.(JSON.parse(line.slice(4)) as Message);
    });
  }

  request<T extends Message['type']>(command: Command, timeoutMs = 900_000): Promise<Extract<Message, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`clients did not answer ${command.cmd}:\n${this.service.output()}`)), timeoutMs);
      this.pending.push((message) => {
        clearTimeout(timer);
        resolve(message as Extract<Message, { type: T }>);
      });
      this.service.process.stdin!.write(`${JSON.stringify(command)}\n`);
    });
  }
}

/** The desk's publishing mutation, as every benchmark that publishes sends it. */
export const PUBLISH = `mutation Publish($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`;

/** Resolves with the first stdout line matching `pattern`, or rejects if the process exits first. */
export function waitForLine(service: Service, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = pattern.exec(buffer);
      if (match) {
        done();
        resolve(match);
      }
    };
    const onExit = () => {
      done();
      reject(new Error(`process exited before printing ${pattern}:\n${service.output()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${pattern}:\n${service.output()}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      service.process.stdout!.off('data', onData);
      service.process.off('exit', onExit);
    };
    service.process.stdout!.on('data', onData);
    service.process.once('exit', onExit);
  });
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Binds a process and all its threads to the given CPUs (`taskset`'s list, e.g. "0" or "0-1"); false where
 * that cannot be done (no taskset, one CPU). A comparison of two servers on a 2-core machine is steadier with
 * the server on one core and its load generator on the other: unpinned, the two take turns on both cores and
 * the scheduler's choices move the figures by more than the difference measured.
 */
export function pinToCpus(pid: number, cpus: string): boolean {
  if (availableParallelism() < 2) return false;
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return result.status === 0;
}

/** Lets a process pinned by pinToCpus run on every CPU again. */
export function unpin(pid: number): void {
  pinToCpus(pid, `0-${availableParallelism() - 1}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CPU time (user + system) of a process so far, ms (Linux, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The whole machine's CPU time so far, busy and all, in clock ticks (Linux: the first line of /proc/stat). */
export function machineCpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle and iowait are the time nothing ran.
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** Resident set size of a process, in bytes (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * The node options `npm start` runs the API with (package.json): a larger
 * young generation, since a request's garbage is short-lived (about 10 %
 * less CPU per uncached story page than Node's default).
 */
export const API_NODE_ARGS = ['--max-semi-space-size=32'];

export interface ApiOptions {
  databaseUrl: string;
  port: number;
  /** Extra environment, e.g. to turn the response cache off. */
  env?: Record<string, string>;
  /** Extra node options, e.g. --cpu-prof (default: BENCH_API_NODE_ARGS, a profiling aid). */
  nodeArgs?: string[];
  /** How long to wait for /ready (default 60 s). */
  startTimeoutMs?: number;
}

/** The environment every benchmarked API runs with (see startApi), `env` over it. */
function apiEnv(databaseUrl: string, env: Record<string, string> | undefined): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: BENCH_JWT_SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SEED_DEMO: 'false',
    GRAPHIQL: 'false',
    // Counting statements taxes every promise (AsyncLocalStorage): off under load, on for the statement check.
    REPORT_SQL_STATEMENTS: 'false',
    NODE_ENV: 'production',
    MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    MAX_HTTP_CONNECTIONS_PER_ADDRESS: '1000000',
    RATE_LIMIT_MUTATIONS: '0',
    RATE_LIMIT_EXPENSIVE: '0',
    ...env,
  };
}

const apiNodeArgs = (nodeArgs: string[] | undefined) => [...API_NODE_ARGS, ...(nodeArgs ?? (process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? []))];

export type Api = Service & { url: string; metricsUrl: string | null };

/**
 * The API as it runs in production, plus statement reporting, with every
 * protection against abusive clients opened up: a benchmark is one client
 * address opening 10,000 sockets and thousands of requests a second.
 */
export async function startApi(options: ApiOptions): Promise<Api> {
  const api = startNode('src/main.ts', { ...apiEnv(options.databaseUrl, options.env), PORT: String(options.port) }, { nodeArgs: apiNodeArgs(options.nodeArgs) });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(`${url}/ready`, options.startTimeoutMs);
  } catch (error) {
    await api.stop();
    throw new Error(`the API did not start: ${(error as Error).message}\n${api.output()}`);
  }
  const metricsPort = options.env?.METRICS_PORT;
  return Object.assign(api, { url, metricsUrl: metricsPort ? `http://127.0.0.1:${metricsPort}` : null });
}

/**
 * Two APIs in one process (bench/twin-api.ts), with startApi's environment and each its own `env` over it:
 * two Api handles that share the process (its pid, its CPU time); stopping either stops both.
 */
export async function startTwinApis(databaseUrl: string, envs: readonly [Record<string, string>, Record<string, string>]): Promise<readonly [Api, Api]> {
  const ports = [await freePort(), await freePort()] as const;
  const host = startNode('bench/twin-api.ts', { ...apiEnv(databaseUrl, {}), TWIN_PORTS: ports.join(','), TWIN_ENVS: JSON.stringify(envs) }, { nodeArgs: apiNodeArgs(undefined) });
  try {
    await waitForLine(host, /TWINS READY/);
  } catch (error) {
    await host.stop();
    throw new Error(`the twin APIs did not start: ${(error as Error).message}`);
  }
  const handle = (index: 0 | 1): Api => {
    const metricsPort = envs[index].METRICS_PORT;
    return { ...host, url: `http://127.0.0.1:${ports[index]}`, metricsUrl: metricsPort ? `http://127.0.0.1:${metricsPort}` : null };
  };
  return [handle(0), handle(1)];
}

/** A free TCP port on the loopback interface: the edge scripts' own. */
export { freePort };

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ data?: T; errors?: { message: string }[]; extensions?: Record<string, unknown> }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: { message: string }[]; extensions?: Record<string, unknown> };
}
