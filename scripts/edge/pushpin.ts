/**
 * Starts Pushpin (Debian's pushpin 1.36, with condure and zurl) in front of
 * one or more Diretta API instances, on private ports with a private runtime
 * directory; stops it by its pid and removes the directory. Used by the tests
 * (test/grip-pushpin.test.ts) and the benchmark (bench/edge-grip.ts), and by
 * hand:
 *
 *   npx tsx scripts/edge/pushpin.ts start --backend 4001,4002 [--port 7999] [--control-port 5561] [--key …]   # prints the URLs, pid and directory
 *   npx tsx scripts/edge/pushpin.ts stop --dir /tmp/diretta-pushpin-…
 *
 * Then point the API instances at it: GRIP_URL=<control URL it printed>,
 * GRIP_KEY=<the key it printed>, and open the story's page through Pushpin.
 *
 * Debian's runner does not start zurl (the HTTP client Pushpin's proxy uses
 * for its requests to the backends) unless `services` names it, and its
 * internal.conf expects zurl's sockets under /var/run/zurl: here `services`
 * names it and the proxy is pointed at zurl's sockets in the runtime
 * directory, where the runner's zurl.conf puts them. The backends are listed
 * in order on one route: Pushpin sends requests to the first that answers,
 * so stopping one instance sends them to the next. start returns once Pushpin
 * has held a request and released it (holdsAndReleases): before, its parts
 * may refuse readers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { alive, freePort, until } from './processes.js';

export interface RunningPushpin {
  /** Where readers connect: http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** GRIP control URL (the publish API is <controlUrl>/publish/): the API's GRIP_URL. */
  controlUrl: string;
  /** The key Pushpin signs its requests to the backends with (Grip-Sig): the API's GRIP_KEY. */
  key: string;
  /** The runtime directory (config, logs, sockets). */
  dir: string;
  /** The runner's pid. */
  pid: number;
  /** The last `lines` lines of each of its logs (runner, condure, zurl, proxy, handler): what a failing test prints. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Why Pushpin cannot run here, or null when it can (pushpin, condure and zurl are installed). */
export function pushpinUnavailable(): string | null {
  for (const binary of ['pushpin', 'pushpin-proxy', 'pushpin-handler', 'condure', 'zurl']) {
    const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
    if (found.status !== 0) return `${binary} is not installed (Debian: apt-get install pushpin zurl condure)`;
  }
  if (!existsSync('/usr/lib/pushpin/internal.conf')) return 'pushpin\'s /usr/lib/pushpin/internal.conf is missing (Debian: apt-get install --reinstall pushpin)';
  return null;
}

export interface PushpinOptions {
  /** The API instances' ports on 127.0.0.1, in the order Pushpin tries them. */
  backendPorts: number[];
  /** Where readers connect; a free port by default. */
  port?: number;
  /** Where the GRIP control API (publish) listens; a free port by default. Known before the API starts, it can be the API's GRIP_URL. */
  controlPort?: number;
  /** The key to sign requests to the backends with; random by default. */
  key?: string;
  /** Most client connections held (condure). */
  maxConnections?: number;
  /** Settings added to pushpin.conf's sections, over this script's (and internal.conf's). */
  settings?: PushpinSettings;
  /** How long start waits for Pushpin to hold and release a request; 30 s by default. */
  readyTimeoutMs?: number;
}

export type PushpinSettings = Partial<Record<'runner' | 'proxy' | 'handler', Record<string, string>>>;

/** pushpin.conf for a runtime directory: every port private, every socket inside the directory. */
export function pushpinConfig(dir: string, ports: { http: number; pull: number; sub: number; control: number; command: number }, key: string, maxConnections: number, settings: PushpinSettings = {}): string {
  const more = (section: keyof PushpinSettings) => Object.entries(settings[section] ?? {}).map(([name, value]) => `${name}=${value}\n`).join('');
  return `[global]
include={libdir}/internal.conf
rundir=${dir}/run
ipc_prefix=pushpin-
port_offset=0
stats_connection_ttl=120

[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:${ports.http}
logdir=${dir}/log
log_level=2
client_buffer_size=8192
client_maxconn=${maxConnections}
condure_bin=condure
zurl_bin=zurl
${more('runner')}
[proxy]
routesfile=routes
debug=false
auto_cross_origin=false
accept_x_forwarded_protocol=false
set_x_forwarded_protocol=proto-only
sig_iss=pushpin
sig_key=${key}
updates_check=off
zurl_out_specs=ipc://{rundir}/{ipc_prefix}zurl-in
zurl_out_stream_specs=ipc://{rundir}/{ipc_prefix}zurl-in-stream
zurl_in_specs=ipc://{rundir}/{ipc_prefix}zurl-out
${more('proxy')}
[handler]
push_in_spec=tcp://127.0.0.1:${ports.pull}
push_in_sub_specs=tcp://127.0.0.1:${ports.sub}
push_in_sub_connect=false
push_in_http_addr=127.0.0.1
push_in_http_port=${ports.control}
push_in_http_max_body_size=10000000
stats_spec=ipc://{rundir}/{ipc_prefix}stats
command_spec=tcp://127.0.0.1:${ports.command}
message_rate=1000000
message_hwm=2000000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=20
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
${more('handler')}`;
}

export async function startPushpin(options: PushpinOptions): Promise<RunningPushpin> {
  const problem = pushpinUnavailable();
  if (problem) throw new Error(problem);
  const dir = mkdtempSync(join(tmpdir(), 'diretta-pushpin-'));
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'log'));
  const key = options.key ?? randomBytes(24).toString('base64url');
  const ports = { http: options.port ?? (await freePort()), pull: await freePort(), sub: await freePort(), control: options.controlPort ?? (await freePort()), command: await freePort() };
  writeFileSync(join(dir, 'pushpin.conf'), pushpinConfig(dir, ports, key, options.maxConnections ?? 50_000, options.settings));
  // One route, every backend: Pushpin tries them in order. And one for the readiness probe (below), whose
  // longer path wins.
  const probe = await startHoldProbe();
  writeFileSync(join(dir, 'routes'), `*,path_beg=${READY_PATH} 127.0.0.1:${probe.port}\n* ${options.backendPorts.map((port) => `127.0.0.1:${port}`).join(' ')}\n`);
  const out = openSync(join(dir, 'log', 'runner.log'), 'a');
  const child = spawn('pushpin', [`--config=${join(dir, 'pushpin.conf')}`], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid!;
  writeFileSync(join(dir, 'pushpin.pid'), String(pid));
  const url = `http://127.0.0.1:${ports.http}`;
  const controlUrl = `http://127.0.0.1:${ports.control}`;
  try {
    await until(`Pushpin on ${url} and ${controlUrl}`, async () => {
      if (!alive(pid)) throw new Error(`pushpin exited: ${readFileSync(join(dir, 'log', 'runner.log'), 'utf8').trim().split('\n').slice(-5).join(' / ')}`);
      return holdsAndReleases(url, controlUrl);
    }, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    // Its logs say which part did not come up; the directory goes with the stop.
    const logs = pushpinLogTail(dir, 10);
    await stopPushpin(dir);
    throw new Error(`${(error as Error).message}\n${logs}`);
  } finally {
    await probe.close();
  }
  return { url, port: ports.http, controlUrl, key, dir, pid, logTail: (lines = 20) => pushpinLogTail(dir, lines), stop: () => stopPushpin(dir) };
}

/** The last lines of every log in the runtime directory, each under its file's name. */
export function pushpinLogTail(dir: string, lines: number): string {
  const logDir = join(dir, 'log');
  if (!existsSync(logDir)) return `(no logs in ${dir})`;
  return readdirSync(logDir)
    .sort()
    .map((file) => `== ${file}\n${readFileSync(join(logDir, file), 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}

/**
 * Pushpin is ready when it can hold a request and release it, which takes all of its parts: condure takes
 * the client, the proxy hands the request to zurl, zurl to a backend, the proxy hands the backend's hold to
 * the handler (accept), and a publish to the handler's control API releases it through condure. Each part
 * connects to the others over ZeroMQ on its own time. A hold that comes before the handler has connected
 * is refused at once (500 "Accept service unavailable.", seen with the handler left out), and a request
 * before zurl has waits. A reader refused is lost for good (an EventSource does not retry a 500 either),
 * so neither a test nor a benchmark may start before. (The old check, any answer to a proxied /health,
 * passed with the handler not yet connected.) The probe: a backend of its own, on a route of its own,
 * that holds each request on the channel its query names (a GRIP `response` hold), and a publish to that
 * channel.
 */
const READY_PATH = '/.well-known/diretta-pushpin-ready';
const READY_BODY = 'held and released\n';

async function startHoldProbe(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const channel = new URL(req.url ?? '/', 'http://probe').searchParams.get('channel') ?? 'none';
    res.writeHead(200, { 'content-type': 'text/plain', 'grip-hold': 'response', 'grip-channel': channel, 'grip-timeout': '5' });
    res.end('not released\n');
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        // zurl keeps its connection to a backend open for the next request: close it too.
        server.closeAllConnections();
      }),
  };
}

/** Whether a request to the probe's route is held by Pushpin and released by a publish (not refused by one of its parts). */
async function holdsAndReleases(url: string, controlUrl: string): Promise<boolean> {
  const channel = `ready-${randomBytes(6).toString('hex')}`;
  let answered = false;
  const released = fetch(`${url}${READY_PATH}?channel=${channel}`, { signal: AbortSignal.timeout(3_000) })
    .then(async (response) => response.status === 200 && (await response.text()) === READY_BODY)
    .catch(() => false)
    .finally(() => (answered = true));
  // The handler subscribes the channel as it accepts the hold: publish until the request is answered.
  const publish = JSON.stringify({ items: [{ channel, formats: { 'http-response': { body: READY_BODY } } }] });
  while (!answered) {
    await fetch(`${controlUrl}/publish/`, { method: 'POST', body: publish, signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    await new Promise((done) => setTimeout(done, 50));
  }
  return released;
}

/** Stops the Pushpin of this directory by its runner's pid (which stops condure, zurl, the proxy and the handler), removes the directory. */
export async function stopPushpin(dir: string): Promise<void> {
  const pidFile = join(dir, 'pushpin.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await until(`pushpin ${pid} to exit`, () => !alive(pid), 20_000).catch(() => process.kill(pid, 'SIGKILL'));
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

async function cli(argv: string[]) {
  const [command, ...rest] = argv;
  const flag = (name: string) => {
    const at = rest.indexOf(`--${name}`);
    return at === -1 ? undefined : rest[at + 1];
  };
  if (command === 'start') {
    const backendPorts = (flag('backend') ?? '4000').split(',').map(Number);
    const port = flag('port') === undefined ? undefined : Number(flag('port'));
    const controlPort = flag('control-port') === undefined ? undefined : Number(flag('control-port'));
    const key = flag('key');
    const pushpin = await startPushpin({ backendPorts, ...(port === undefined ? {} : { port }), ...(controlPort === undefined ? {} : { controlPort }), ...(key ? { key } : {}) });
    console.log(JSON.stringify({ url: pushpin.url, pid: pushpin.pid, dir: pushpin.dir, env: `GRIP_URL=${pushpin.controlUrl} GRIP_KEY=${pushpin.key}` }));
    return;
  }
  if (command === 'stop') {
    const dir = flag('dir');
    if (!dir) throw new Error('stop needs --dir <the directory start printed>');
    await stopPushpin(dir);
    return;
  }
  throw new Error('usage: pushpin.ts start --backend <api port>[,<api port>…] [--port <port>] [--control-port <port>] [--key <key>] | stop --dir <directory>');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
