/**
 * Debian's Prometheus (/usr/bin/prometheus) started for a test: on a free
 * port of the loopback, with its configuration and its TSDB in a temporary
 * directory, scraping the given targets every second. stop() ends it by its
 * own pid and removes the directory; a detached watchdog does the same if
 * the test process dies first. The machine's own Prometheus, if any, is
 * never touched.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/edge/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

/** Why Prometheus cannot run here (with what .ci/run would install), or undefined when it can. */
export function prometheusUnavailable(): string | undefined {
  if (!existsSync(PROMETHEUS)) return `${PROMETHEUS} is not installed (apt-get install prometheus)`;
  if (!existsSync(PROMTOOL)) return `${PROMTOOL} is not installed (apt-get install prometheus)`;
  return undefined;
}

/** promtool with arguments (and, optionally, stdin); resolves with its exit code and output. */
export function promtool(args: string[], stdin?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(stdin ?? '');
  });
}

export interface ScrapeTarget {
  /** host:port */
  address: string;
  /** Sent as `Authorization: Bearer …` when set. */
  bearerToken?: string;
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Prometheus {
  url: string;
  /** An instant PromQL query over the HTTP API: the samples of its vector (a scalar as one sample without labels). */
  query(promql: string): Promise<Sample[]>;
  /** Resolves once every target has been scraped successfully after `since` (ms since the epoch). */
  scrapedAfter(since: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: ScrapeTarget[]): Promise<Prometheus> {
  const reason = prometheusUnavailable();
  if (reason) throw new Error(`cannot start Prometheus: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'diretta-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...targets.flatMap((target, i) => [
      `  - job_name: diretta-${i}`,
      '    metrics_path: /metrics',
      ...(target.bearerToken ? ['    authorization:', '      type: Bearer', `      credentials: ${JSON.stringify(target.bearerToken)}`] : []),
      '    static_configs:',
      `      - targets: [${JSON.stringify(target.address)}]`,
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test process dies without stop(), the watchdog ends this Prometheus (by its pid) and removes its files.
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill ${child.pid} 2>/dev/null; sleep 2; kill -9 ${child.pid} 2>/dev/null; rm -rf ${dir}`], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    watchdog.kill();
    rmSync(dir, { recursive: true, force: true });
  };

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };

  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Prometheus exited: ${output}`);
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`Prometheus was not ready within 30 s: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    async query(promql) {
      const data = await api<{ resultType: string; result: unknown }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (data.resultType === 'scalar') return [{ labels: {}, value: Number((data.result as [number, string])[1]) }];
      if (data.resultType !== 'vector') throw new Error(`PromQL ${promql}: a ${data.resultType}, not a vector`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
    async scrapedAfter(since, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { activeTargets } = await api<{ activeTargets: { health: string; lastScrape: string; lastError: string }[] }>('/api/v1/targets');
        if (activeTargets.length === targets.length && activeTargets.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > since)) return;
        if (Date.now() > deadline) throw new Error(`no successful scrape after ${new Date(since).toISOString()}: ${JSON.stringify(activeTargets)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop,
  };
}
