/**
 * Starts Varnish (Debian's varnish 7.1 with varnish-modules, for xkey) in
 * front of a Diretta API, on a private port with a private working
 * directory, configured by deploy/varnish/diretta.vcl with the API's port
 * put in; stops it by its pid and removes the directory. Used by the tests
 * (test/edge-varnish.test.ts) and the benchmark (bench/edge-reads.ts), and
 * by hand:
 *
 *   npx tsx scripts/edge/varnish.ts start --backend 4000 [--port 6081]   # prints the pid, port and directory
 *   npx tsx scripts/edge/varnish.ts stop --dir /tmp/diretta-varnish-…
 *
 * Then point the API at it: VARNISH_PURGE_URL=http://127.0.0.1:6081/.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { alive, freePort, until } from './processes.js';

const run = promisify(execFile);
const VCL = resolve(import.meta.dirname, '../../deploy/varnish/diretta.vcl');
const VARNISHD = ['/usr/sbin/varnishd', '/usr/local/sbin/varnishd'];

export interface RunningVarnish {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The private working directory (-n): varnishstat and varnishlog take it. */
  workDir: string;
  pid: number;
  stop(): Promise<void>;
}

/** Why Varnish cannot run here, or null when it can (varnishd and vmod-xkey are installed). */
export function varnishUnavailable(): string | null {
  const varnishd = VARNISHD.find((path) => existsSync(path));
  if (!varnishd) return 'varnishd is not installed (Debian: apt-get install varnish varnish-modules)';
  const vmods = spawnSync(varnishd, ['-x', 'parameter'], { encoding: 'utf8' });
  if (vmods.error) return `varnishd does not run: ${vmods.error.message}`;
  const xkey = ['/usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so', '/usr/lib/aarch64-linux-gnu/varnish/vmods/libvmod_xkey.so', '/usr/lib/varnish/vmods/libvmod_xkey.so'];
  if (!xkey.some((path) => existsSync(path))) return 'vmod-xkey is not installed (Debian: apt-get install varnish-modules)';
  return null;
}

/** The VCL with the API's port in place of 4000. */
export function vclFor(backendPort: number): string {
  const vcl = readFileSync(VCL, 'utf8');
  const replaced = vcl.replace(/(\.host = "127\.0\.0\.1";\s*\.port = ")4000(";)/, `$1${backendPort}$2`);
  if (replaced === vcl) throw new Error(`${VCL} no longer names the backend 127.0.0.1:4000`);
  return replaced;
}

export interface StartOptions {
  /** The API's port on 127.0.0.1. */
  backendPort: number;
  /** Where Varnish listens; a free port by default. */
  port?: number;
  /** Cache size (varnishd -s malloc,…). */
  storage?: string;
}

export async function startVarnish(options: StartOptions): Promise<RunningVarnish> {
  const problem = varnishUnavailable();
  if (problem) throw new Error(problem);
  const varnishd = VARNISHD.find((path) => existsSync(path))!;
  const port = options.port ?? (await freePort());
  const workDir = mkdtempSync(join(tmpdir(), 'diretta-varnish-'));
  const vclPath = join(workDir, 'diretta.vcl');
  const pidFile = join(workDir, 'varnishd.pid');
  writeFileSync(vclPath, vclFor(options.backendPort));
  const args = [
    '-n', workDir,
    '-a', `127.0.0.1:${port}`,
    '-f', vclPath,
    '-s', `malloc,${options.storage ?? '256m'}`,
    '-P', pidFile,
    // No management port: this Varnish is stopped by its pid.
    '-T', 'none',
    // Runs as whoever starts it (root included), writing only its own directory.
    '-j', 'none',
    // A few threads to start with (the default, 100 a pool, is for a machine of its own).
    '-p', 'thread_pool_min=50',
    '-p', 'thread_pool_max=500',
  ];
  try {
    // Without -F varnishd compiles the VCL, starts its child and returns: a bad VCL fails here, with its message.
    await run(varnishd, args, { timeout: 60_000 });
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`varnishd did not start: ${(stderr || message).trim()}`);
  }
  await until('varnishd to write its pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const url = `http://127.0.0.1:${port}`;
  await until(`Varnish on ${url}`, () => fetch(`${url}/health`).then((r) => r.status === 200, () => false), 20_000);
  return { url, port, workDir, pid, stop: () => stopVarnish(workDir) };
}

/** Stops the Varnish of this working directory by its pid, waits for it to exit, removes the directory. */
export async function stopVarnish(workDir: string): Promise<void> {
  const pidFile = join(workDir, 'varnishd.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await until(`varnishd ${pid} to exit`, () => !alive(pid), 20_000).catch(() => process.kill(pid, 'SIGKILL'));
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}

/** MAIN counters of varnishstat for this Varnish (cache_hit, cache_miss, cache_hitpass…). */
export async function varnishCounters(workDir: string): Promise<Record<string, number>> {
  const { stdout } = await run('varnishstat', ['-n', workDir, '-1', '-j', '-f', 'MAIN.*'], { timeout: 10_000 });
  const parsed = JSON.parse(stdout) as { counters?: Record<string, { value: number }> } & Record<string, { value?: number }>;
  const counters = parsed.counters ?? parsed;
  return Object.fromEntries(Object.entries(counters).flatMap(([name, c]) => (typeof c?.value === 'number' ? [[name.replace(/^MAIN\./, ''), c.value]] : [])));
}

async function cli(argv: string[]) {
  const [command, ...rest] = argv;
  const flag = (name: string) => {
    const at = rest.indexOf(`--${name}`);
    return at === -1 ? undefined : rest[at + 1];
  };
  if (command === 'start') {
    const backendPort = Number(flag('backend') ?? 4000);
    const port = flag('port') === undefined ? undefined : Number(flag('port'));
    const varnish = await startVarnish({ backendPort, ...(port === undefined ? {} : { port }) });
    console.log(JSON.stringify({ url: varnish.url, pid: varnish.pid, workDir: varnish.workDir, purge: `VARNISH_PURGE_URL=${varnish.url}/` }));
    return;
  }
  if (command === 'stop') {
    const dir = flag('dir');
    if (!dir) throw new Error('stop needs --dir <the working directory start printed>');
    await stopVarnish(dir);
    return;
  }
  throw new Error('usage: varnish.ts start --backend <api port> [--port <port>] | stop --dir <working directory>');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
