/**
 * Starts Debian's haproxy in front of several Diretta instances, on a
 * private port with a private directory, and stops it by its pid. Used by
 * the reconnect-storm benchmark (bench/storm.ts), and by hand:
 *
 *   npx tsx scripts/haproxy.ts start --backends 4001,4002,4003 [--port 8090]   # prints the pid, port and directory; stop it with kill <pid>
 *
 * The configuration is the one a live deployment wants: WebSockets and SSE
 * streams tunnelled for hours (`timeout tunnel`), `leastconn` so that a
 * restarted instance gets the readers that come back, health checks on
 * /ready every 500 ms so that a dead instance is out within a second, and
 * `option redispatch` with retries so that a connection attempt to an
 * instance that just died goes to another one instead of failing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const HAPROXY = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'];

export interface RunningHaproxy {
  url: string;
  port: number;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/** Why haproxy cannot run here, or null. */
export function haproxyUnavailable(): string | null {
  return HAPROXY.some((path) => existsSync(path)) ? null : 'haproxy is not installed (Debian: apt-get install haproxy)';
}

/** The hard limit on open files (`ulimit -Hn`). */
export function hardOpenFiles(): number {
  const out = spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? 1_048_576 : Number(out) || 1_024;
}

export function haproxyConfig(port: number, backends: number[], maxconn: number): string {
  return [
    'global',
    `  maxconn ${maxconn}`,
    '  log stderr format raw local0 warning',
    'defaults',
    '  mode http',
    '  log global',
    `  maxconn ${maxconn}`,
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // A check is answered late by an instance busy with a storm; without this, haproxy allows it \`inter\` (500 ms),
    // marks every busy instance down and turns every reader away with 503. A dead instance refuses at once.
    '  timeout check 5s',
    // WebSockets and SSE streams: a reader stays for hours.
    '  timeout tunnel 1h',
    '  timeout client-fin 5s',
    '  retries 3',
    '  option redispatch',
    'frontend live',
    `  bind 127.0.0.1:${port}`,
    '  default_backend diretta',
    'backend diretta',
    '  balance leastconn',
    '  option httpchk GET /ready',
    '  default-server inter 500ms fall 3 rise 1',
    ...backends.map((backend, i) => `  server api${i + 1} 127.0.0.1:${backend} check`),
    '',
  ].join('\n');
}

export async function startHaproxy(options: { port: number; backends: number[]; maxconn?: number }): Promise<RunningHaproxy> {
  const haproxy = HAPROXY.find((path) => existsSync(path));
  if (!haproxy) throw new Error(haproxyUnavailable()!);
  const dir = mkdtempSync(join(tmpdir(), 'diretta-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  // Two descriptors a connection (client and server side): bounded by the open-files limit this process may raise to.
  const maxconn = Math.min(options.maxconn ?? 9_800, Math.floor((hardOpenFiles() - 200) / 2));
  writeFileSync(config, haproxyConfig(options.port, options.backends, maxconn));
  // -db: stay in the foreground (its pid is ours to stop); enough descriptors for both sides of every connection.
  const child: ChildProcess = spawn('bash', ['-c', `ulimit -n $(ulimit -Hn); exec ${haproxy} -db -f ${config}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 100) {
      child.kill('SIGTERM');
      throw new Error(`haproxy did not answer on ${url}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port: options.port,
    pid: child.pid!,
    dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) void main();

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { backends: { type: 'string' }, port: { type: 'string', default: '8090' } } });
  if (positionals[0] !== 'start' || !values.backends) {
    console.error('usage: npx tsx scripts/haproxy.ts start --backends 4001,4002,4003 [--port 8090]');
    process.exit(2);
  }
  const running = await startHaproxy({ port: Number(values.port), backends: values.backends.split(',').map(Number) });
  console.log(JSON.stringify({ pid: running.pid, url: running.url, dir: running.dir }));
  process.on('SIGTERM', () => void running.stop().then(() => process.exit(0)));
  process.on('SIGINT', () => void running.stop().then(() => process.exit(0)));
}
