/**
 * The reconnect-storm benchmark: three API instances behind Debian's
 * haproxy (scripts/haproxy.ts), N readers (bench/storm-clients.ts) following
 * one story through it with `after: <cursor>`, and a desk publishing an
 * entry every half second throughout. Then:
 *
 * 1. one instance is killed with SIGKILL (its readers lose their sockets
 *    without a close frame and come back through haproxy to the other two);
 *    it is started again;
 * 2. the second instance is restarted (SIGTERM: its readers get 1001), and
 *    once it is back, the third.
 *
 * Every reader must end with every event from its first cursor on — none
 * lost, none twice, in order — and each disconnection is timed until the
 * reader has everything committed before it (p99 ≤ 5 s). An instance that
 * exits other than when told (a crash, out of memory) is reported.
 */
import { mintToken } from '../src/auth/tokens.js';
import { hardOpenFiles, haproxyUnavailable, startHaproxy } from '../scripts/haproxy.js';
import { percentile } from './percentile.js';
import type { StormCommand, StormMessage, StormSummary } from './storm-clients.js';
import { BENCH_JWT_SECRET, ClientChannel, PUBLISH, freePort, graphql, machineCpuTicks, rssBytes, sleep, startApi, startNode } from './services.js';

export interface StormOptions {
  databaseUrl: string;
  readers: number;
  sources: number;
  log: (message: string) => void;
}

export interface StormResults {
  readers: number;
  instances: number;
  /** haproxy processes the readers were spread over, and reader processes (absent from older reports: one each). */
  proxies?: number;
  readerProcesses?: number;
  publishedPerSecond: number;
  events: number;
  connectSeconds: number;
  summary: StormSummary;
  /** Instances that exited when nobody told them to. */
  crashes: number;
  /** Peak RSS of each instance slot (MiB), sampled every second. */
  peakRssMiB: number[];
  admission: { rate: string; burst: string };
  /** Each phase's length, and the share of the machine's CPU time that was busy during it (absent from older reports). */
  phases: { name: string; seconds: number; machineBusy?: number }[];
}


export async function runStorm(options: StormOptions): Promise<StormResults> {
  const unavailable = haproxyUnavailable();
  if (unavailable) throw new Error(unavailable);
  const { log, readers: n } = options;
  // The shipped defaults, written out so that the report says what ran.
  const admission = { rate: process.env.LIVE_ADMISSION_RATE ?? '2000', burst: process.env.LIVE_ADMISSION_BURST ?? '4000' };
  // Every reader comes from 127.0.0.1 through haproxy: the replay budget per address (REPLAY_COST_PER_MINUTE)
  // would treat thousands of readers as one abuser, so it is off here, as per-address limits are in startApi.
  const env = { LIVE_ADMISSION_RATE: admission.rate, LIVE_ADMISSION_BURST: admission.burst, REPLAY_COST_PER_MINUTE: '0' };
  const ports = [await freePort(), await freePort(), await freePort()];
  const instances: (Awaited<ReturnType<typeof startApi>> | null)[] = [];
  const expectedExit = new Set<number>();
  let crashes = 0;
  const peakRss = [0, 0, 0];
  const start = async (slot: number) => {
    // A restart under a storm, on a busy machine, can take a while: waited for, not counted as a crash.
    const api = await startApi({ databaseUrl: options.databaseUrl, port: ports[slot]!, env, startTimeoutMs: 240_000 });
    api.process.once('exit', () => {
      if (!expectedExit.has(api.pid)) {
        crashes++;
        log(`storm: instance ${slot + 1} exited on its own:\n${api.output().slice(-2_000)}`);
      }
    });
    instances[slot] = api;
    return api;
  };
  for (let slot = 0; slot < 3; slot++) await start(slot);
  const sampler = setInterval(() => {
    instances.forEach((api, slot) => {
      if (!api) return;
      try {
        peakRss[slot] = Math.max(peakRss[slot]!, rssBytes(api.pid) / 2 ** 20);
      } catch {
        // gone
      }
    });
  }, 1_000);
  // Set as they start, so that a failure anywhere stops whatever did start.
  const proxyHandles: Awaited<ReturnType<typeof startHaproxy>>[] = [];
  const readerHandles: ClientChannel<StormCommand, StormMessage>[] = [];
  // A process may hold only so many descriptors (`ulimit -Hn`): haproxy two a reader (its side and the API's),
  // a readers' process one. Past that, the readers spread over several of each, as a larger site runs several
  // load balancers; each haproxy balances over all three instances.
  const openFiles = hardOpenFiles();
  const proxyCount = Math.ceil((n * 1.2) / Math.floor((openFiles - 200) / 2));
  const readerProcessCount = Math.ceil(n / Math.floor((openFiles - 500) * 0.8));
  const phases: StormResults['phases'] = [];
  let published = 0;
  let publishing = true;
  let publisher: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < proxyCount; i++) proxyHandles.push(await startHaproxy({ port: await freePort(), backends: ports, maxconn: Math.max(1_000, Math.ceil((n * 1.2) / proxyCount)) }));
    const proxy = proxyHandles[0]!;
    for (let i = 0; i < readerProcessCount; i++) readerHandles.push(new ClientChannel<StormCommand, StormMessage>(startNode('bench/storm-clients.ts', {}, { stdin: true })));
    // Each readers' process holds a slice of the readers: the same command to each, the answers added up.
    const shares = readerHandles.map((_, i) => Math.floor(n / readerProcessCount) + (i < n % readerProcessCount ? 1 : 0));
    const readers = {
      status: async () => {
        const all = await Promise.all(readerHandles.map((channel) => channel.request<'status'>({ cmd: 'status' })));
        return all.reduce((a, b) => ({ type: 'status' as const, open: a.open + b.open, subscribed: a.subscribed + b.subscribed, disconnects: a.disconnects + b.disconnects, turnedAway: a.turnedAway + b.turnedAway }));
      },
    };
    const token = await mintToken(BENCH_JWT_SECRET, { role: 'editor', subject: 'bench-desk', expiresIn: 3600 });
    const found = await graphql<{ stories: { edges: { node: { id: string; slug: string } }[] } }>(proxy.url, '{ stories(first: 1, status: [LIVE]) { edges { node { id slug } } } }');
    const story = found.data?.stories.edges[0]?.node;
    if (!story) throw new Error('no live story to follow: run `npm run bench:data` first');
    // Asked through haproxy, which answers 503 while every instance fails its checks (overloaded by a storm): asked again.
    const cursor = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await graphql<{ story: { eventCursor: string } }>(proxy.url, 'query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug: story.slug })).data!.story.eventCursor;
        } catch (error) {
          if (attempt >= 60) throw error;
          await sleep(2_000);
        }
      }
    };
    const seqOf = (c: string) => Number(Buffer.from(c, 'base64url').toString().split(':')[1]);
    const startCursor = await cursor();
    const firstSeq = seqOf(startCursor) + 1;

    const phase = async (name: string, work: () => Promise<void>) => {
      const began = performance.now();
      const cpuBefore = machineCpuTicks();
      log(`storm: ${name}`);
      await work();
      const cpuAfter = machineCpuTicks();
      const busy = (cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total);
      phases.push({ name, seconds: (performance.now() - began) / 1000, machineBusy: busy });
    };
    // Until every reader is subscribed (and still is), or the deadline.
    const settle = async (deadlineMs: number) => {
      const until = performance.now() + deadlineMs;
      for (;;) {
        const status = await readers.status();
        if (status.subscribed === n || performance.now() > until) return status;
        await sleep(500);
      }
    };

    let connectSeconds = 0;
    await phase(`${n} readers connect through haproxy`, async () => {
      const urls = proxyHandles.map((p) => `${p.url.replace('http', 'ws')}/graphql`);
      const parts = await Promise.all(
        readerHandles.map((channel, i) =>
          channel.request<'connected'>({ cmd: 'connect', urls, n: shares[i]!, indexBase: shares.slice(0, i).reduce((a, b) => a + b, 0), story: story.id, after: startCursor, concurrency: Math.ceil(200 / readerProcessCount), sources: options.sources }),
        ),
      );
      const connected = { ok: parts.reduce((a, p) => a + p.ok, 0), failed: parts.reduce((a, p) => a + p.failed, 0), ms: Math.max(...parts.map((p) => p.ms)) };
      const status = await settle(120_000);
      connectSeconds = connected.ms / 1000;
      log(`storm: ${connected.ok} admitted at first try, ${connected.failed} not, ${status.subscribed}/${n} subscribed; ${status.turnedAway} attempts turned away so far`);
    });

    // The desk: an entry every 500 ms, for the whole run.
    publisher = (async () => {
      while (publishing) {
        const began = performance.now();
        const response = await graphql(proxy.url, PUBLISH, { input: { story: story.id, headline: `Storm update ${published + 1}`, body: 'Text.' } }, { authorization: `Bearer ${token}` }).catch((error: unknown) => ({ errors: [{ message: String(error) }] }));
        if (!response.errors) published++;
        await sleep(Math.max(0, 500 - (performance.now() - began)));
      }
    })();
    await sleep(5_000);

    await phase('SIGKILL instance 1; its readers come back through haproxy to the other two', async () => {
      const api = instances[0]!;
      const before = await readers.status();
      expectedExit.add(api.pid);
      // The bash wrapper of startNode execs node: its pid is node's.
      api.process.kill('SIGKILL');
      instances[0] = null;
      // Until its readers have noticed (haproxy closes their side), then until they are all back.
      for (let i = 0; i < 40; i++) {
        const now = await readers.status();
        if (now.disconnects > before.disconnects && now.subscribed === n) break;
        await sleep(250);
      }
      const status = await settle(60_000);
      log(`storm: ${status.subscribed}/${n} subscribed, ${status.disconnects} disconnections, ${status.turnedAway} attempts turned away`);
    });
    await phase('instance 1 started again', async () => {
      await start(0);
      await sleep(3_000);
    });
    for (const slot of [1, 2]) {
      await phase(`restart instance ${slot + 1} (SIGTERM: 1001 to its readers), then start it again`, async () => {
        const api = instances[slot]!;
        expectedExit.add(api.pid);
        await api.stop();
        instances[slot] = null;
        await sleep(1_000);
        await start(slot);
        const status = await settle(60_000);
        log(`storm: ${status.subscribed}/${n} subscribed, ${status.disconnects} disconnections, ${status.turnedAway} attempts turned away`);
        await sleep(3_000);
      });
    }
    publishing = false;
    await publisher;
    const lastSeq = seqOf(await cursor());
    // Let the last events reach everyone.
    await settle(30_000);
    await sleep(5_000);
    const summary = mergeSummaries(await Promise.all(readerHandles.map((channel) => channel.request<'summary'>({ cmd: 'summary', firstSeq, lastSeq }))));
    log(`storm: ${JSON.stringify(summary)}`);
    log(`storm: ${summary.lost} lost, ${summary.duplicates} duplicates, ${summary.outOfOrder} out of order of ${summary.expected}; ${summary.disconnects} disconnections, caught up p50 ${summary.caughtUp.p50} ms, p99 ${summary.caughtUp.p99} ms, max ${summary.caughtUp.max} ms, never ${summary.neverCaughtUp}`);
    await Promise.all(readerHandles.map((channel) => channel.request<'closed'>({ cmd: 'close' })));
    return {
      readers: n,
      instances: 3,
      proxies: proxyCount,
      readerProcesses: readerProcessCount,
      publishedPerSecond: 2,
      events: lastSeq - firstSeq + 1,
      connectSeconds,
      summary,
      crashes,
      peakRssMiB: peakRss.map((v) => Math.round(v)),
      admission,
      phases,
    };
  } finally {
    publishing = false;
    await publisher.catch(() => {});
    clearInterval(sampler);
    for (const channel of readerHandles) await channel.service.stop();
    for (const proxy of proxyHandles) await proxy.stop();
    for (const api of instances) {
      if (!api) continue;
      expectedExit.add(api.pid);
      await api.stop();
    }
  }
}

/** The readers' processes' summaries as one: counts added, percentiles over every disconnection of them all. */
function mergeSummaries(parts: Extract<StormMessage, { type: 'summary' }>[]): StormSummary {
  const sum = (key: Exclude<keyof StormSummary, 'caughtUp' | 'failedBy'>) => parts.reduce((total, part) => total + (part.summary[key] ?? 0), 0);
  const sorted = Float64Array.from(parts.flatMap((part) => part.caughtUpMs)).sort();
  return {
    readers: sum('readers'),
    expected: sum('expected'),
    received: sum('received'),
    lost: sum('lost'),
    duplicates: sum('duplicates'),
    outOfOrder: sum('outOfOrder'),
    disconnects: sum('disconnects'),
    turnedAway: sum('turnedAway'),
    failedAttempts: sum('failedAttempts'),
    failedBy: parts.reduce<Record<string, number>>((all, part) => {
      for (const [cause, count] of Object.entries(part.summary.failedBy ?? {})) all[cause] = (all[cause] ?? 0) + count;
      return all;
    }, {}),
    refusedSubscriptions: sum('refusedSubscriptions'),
    caughtUp: { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN },
    stillAway: sum('stillAway'),
    neverCaughtUp: sum('neverCaughtUp'),
  };
}
