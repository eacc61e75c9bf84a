/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl on a free port, in a
 * temporary directory), for tests that restart or stop the database. Never the
 * machine's cluster: a developer's or a shared database must not go down
 * because a test suite ran. Removed again by destroy(), and by a watchdog if
 * the test process dies first.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/edge/processes.js';

const binDir = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return version ? join(root, version, 'bin') : undefined;
})();

/** initdb refuses to run as root: run the server tools as the postgres OS user then. */
const asRoot = process.getuid?.() === 0;

/** Why a private cluster cannot be started here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!binDir) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  if (asRoot) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres OS user to run initdb as';
    }
  }
  return undefined;
}

export interface PrivatePostgres {
  /** postgres:// URL of the cluster's `postgres` database. */
  url: string;
  port: number;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back at once. Async, so the servers under test keep running meanwhile. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): void;
}

function invocation(tool: string, args: string[]): [string, string[]] {
  const command = join(binDir!, tool);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function run(tool: string, args: string[]): void {
  const [file, argv] = invocation(tool, args);
  execFileSync(file, argv, { stdio: 'pipe', cwd: tmpdir() });
}

async function runAsync(tool: string, args: string[]): Promise<void> {
  const [file, argv] = invocation(tool, args);
  await promisify(execFile)(file, argv, { cwd: tmpdir() });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const reason = privatePostgresUnavailable();
  if (reason) throw new Error(`cannot start a private PostgreSQL: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'diretta-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const pgCtlArgs = (...args: string[]) => ['-D', dataDir, '-w', '-t', '60', '-s', '-o', options, '-l', join(dir, 'server.log'), ...args];
  run('pg_ctl', pgCtlArgs('start'));

  // If this process dies without destroy(), a detached watchdog stops the
  // cluster and removes its files, so no test leaves a server behind.
  const stopCommand = asRoot
    ? `runuser -u postgres -- ${join(binDir!, 'pg_ctl')} -D ${dataDir} -m immediate stop`
    : `${join(binDir!, 'pg_ctl')} -D ${dataDir} -m immediate stop`;
  const watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stopCommand} >/dev/null 2>&1; rm -rf ${dir}`],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => runAsync('pg_ctl', pgCtlArgs('restart', '-m', 'fast')),
    stop: () => runAsync('pg_ctl', pgCtlArgs('stop', '-m', 'fast')),
    start: () => runAsync('pg_ctl', pgCtlArgs('start')),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        run('pg_ctl', ['-D', dataDir, '-s', '-m', 'immediate', 'stop']);
      } catch {
        /* already stopped */
      }
      watchdog.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
