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
import { haproxyUnavailable, startHaproxy } from '../scripts/haproxy.js';
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
  let proxyHandle: Awaited<ReturnType<typeof startHaproxy>> | null = null;
  let readersHandle: ClientChannel<StormCommand, StormMessage> | null = null;
  const phases: StormResults['phases'] = [];
  let published = 0;
  let publishing = true;
  let publisher: Promise<void> = Promise.resolve();
  try {
    const proxy = await startHaproxy({ port: await freePort(), backends: ports, maxconn: Math.max(1_000, Math.ceil(n * 1.2)) });
    proxyHandle = proxy;
    const readers = new ClientChannel<StormCommand, StormMessage>(startNode('bench/storm-clients.ts', {}, { stdin: true }));
    readersHandle = readers;
    const token = await mintToken(BENCH_JWT_SECRET, { role: 'editor', subject: 'bench-desk', expiresIn: 3600 });
    const found = await graphql<{ stories: { edges: { node: { id: string; slug: string } }[] } }>(proxy.url, '{ stories(first: 1, status: [LIVE]) { edges { node { id slug } } } }');
    const story = found.data?.stories.edges[0]?.node;
    if (!story) throw new Error('no live story to follow: run `npm run bench:data` first');
    const cursor = async () => (await graphql<{ story: { eventCursor: string } }>(proxy.url, 'query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug: story.slug })).data!.story.eventCursor;
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
        const status = await readers.request<'status'>({ cmd: 'status' });
        if (status.subscribed === n || performance.now() > until) return status;
        await sleep(500);
      }
    };

    let connectSeconds = 0;
    await phase(`${n} readers connect through haproxy`, async () => {
      const connected = await readers.request<'connected'>({ cmd: 'connect', url: proxy.url.replace('http', 'ws') + '/graphql', n, story: story.id, after: startCursor, concurrency: 200, sources: options.sources });
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
      const before = await readers.request<'status'>({ cmd: 'status' });
      expectedExit.add(api.pid);
      // The bash wrapper of startNode execs node: its pid is node's.
      api.process.kill('SIGKILL');
      instances[0] = null;
      // Until its readers have noticed (haproxy closes their side), then until they are all back.
      for (let i = 0; i < 40; i++) {
        const now = await readers.request<'status'>({ cmd: 'status' });
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
    const { summary } = await readers.request<'summary'>({ cmd: 'summary', firstSeq, lastSeq });
    log(`storm: ${JSON.stringify(summary)}`);
    log(`storm: ${summary.lost} lost, ${summary.duplicates} duplicates, ${summary.outOfOrder} out of order of ${summary.expected}; ${summary.disconnects} disconnections, caught up p50 ${summary.caughtUp.p50} ms, p99 ${summary.caughtUp.p99} ms, max ${summary.caughtUp.max} ms, never ${summary.neverCaughtUp}`);
    await readers.request<'closed'>({ cmd: 'close' });
    return {
      readers: n,
      instances: 3,
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
    await readersHandle?.service.stop();
    await proxyHandle?.stop();
    for (const api of instances) {
      if (!api) continue;
      expectedExit.add(api.pid);
      await api.stop();
    }
  }
}
