/**
 * `npm run bench -- edge`: readers' SSE streams of one story held at the
 * edge by Pushpin (src/transport/grip.ts), against the same readers on one
 * API instance, against Pushpin alone publishing the same bytes (the floor).
 *
 * (a) Pushpin (scripts/edge/pushpin.ts) in front of two API instances that
 *     share the database; the API publishes each event once per channel;
 * (b) the same readers straight on one API instance (graphql-sse's
 *     distinct-connections mode, served by Yoga);
 * (c) the floor: Pushpin alone, a trivial backend holding every reader on
 *     one channel, and messages of the same size published straight to it.
 *
 * Readers (bench/sse-clients.ts, several processes, over several loopback
 * source addresses) time each event from its commit (`occurredAt`) to its
 * receipt. For (a) and (b): the API's RSS and CPU per event with 0 readers
 * and with all of them; for (a) a run where both API instances are
 * restarted, one after the other, while events are published: readers
 * disconnected, events lost.
 *
 * The database is one of its own on the PostgreSQL server of DATABASE_URL
 * (diretta_bench_edge, created afresh, with the demo story).
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { mintToken } from '../src/auth/tokens.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type RunningPushpin, pushpinUnavailable, startPushpin } from '../scripts/edge/pushpin.js';
import { TICKER_SUBSCRIPTION } from './fanout.js';
import type { LatencySummary, SseCommand, SseMessage } from './sse-clients.js';
import { BENCH_JWT_SECRET, ClientChannel, PUBLISH, type Service, cpuMs, freePort, graphql, rssBytes, sleep, startApi, startNode } from './services.js';

export interface EdgeGripOptions {
  databaseUrl: string;
  readers: number;
  events: number;
  log: (message: string) => void;
}

export interface EdgeGripSide {
  readers: number;
  connected: number;
  failedConnections: number;
  firstError?: string;
  latency: LatencySummary;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  disconnected: number;
  messageBytes: number;
  /** Messages that carried an `id:` line. */
  withIds: number;
}

export interface ApiCost {
  /** Sum over the instances, MiB. */
  rssMiB: number;
  /** CPU milliseconds (user + system) per event, all instances together (the publishing mutation included). */
  cpuMsPerEvent: number;
}

export interface EdgeGripResults {
  readers: number;
  events: number;
  sources: string[];
  held: EdgeGripSide & { idle: ApiCost; loaded: ApiCost };
  direct: EdgeGripSide & { idle: ApiCost; loaded: ApiCost };
  floor: EdgeGripSide;
  restart: { readers: number; events: number; disconnected: number; lost: number; duplicates: number; latency: LatencySummary };
  notes: string[];
}

const SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
/** This machine allows 20,000 open files per process (hard limit): one process holds at most about 19,900 sockets. */
const PER_PROCESS = 6_700;


/** Readers spread over a few processes. */
class ReaderPool {
  readonly processes: ClientChannel<SseCommand, SseMessage>[];
  constructor(readonly n: number) {
    this.processes = Array.from({ length: Math.max(1, Math.ceil(n / PER_PROCESS)) }, () => new ClientChannel<SseCommand, SseMessage>(startNode('bench/sse-clients.ts', {}, { stdin: true })));
  }
  private share(i: number) {
    const per = Math.ceil(this.n / this.processes.length);
    return Math.max(0, Math.min(per, this.n - i * per));
  }
  async connect(port: number, path: string, headers?: Record<string, string>) {
    const results = await Promise.all(this.processes.map((p, i) => p.request<'connected'>({ cmd: 'connect', port, path, n: this.share(i), sources: SOURCES, concurrency: 40, ...(headers ? { headers } : {}) })));
    return { ok: results.reduce((a, r) => a + r.ok, 0), failed: results.reduce((a, r) => a + r.failed, 0), firstError: results.find((r) => r.firstError)?.firstError };
  }
  async expect(seq: number, timeoutMs: number) {
    const results = await Promise.all(this.processes.map((p) => p.request<'received'>({ cmd: 'expect', seq, timeoutMs })));
    return results.reduce((a, r) => a + r.count, 0);
  }
  async summary(seqs: number[]) {
    const results = await Promise.all(this.processes.map((p) => p.request<'summary'>({ cmd: 'summary', seqs })));
    const values = results.flatMap((r) => r.values);
    return {
      latency: summarise(values),
      lost: results.reduce((a, r) => a + r.lost, 0),
      duplicates: results.reduce((a, r) => a + r.duplicates, 0),
      outOfOrder: results.reduce((a, r) => a + r.outOfOrder, 0),
      disconnected: results.reduce((a, r) => a + r.disconnected, 0),
      bytes: Math.max(...results.map((r) => r.bytes)),
      withIds: results.reduce((a, r) => a + r.withIds, 0),
    };
  }
  async close() {
    await Promise.all(this.processes.map((p) => p.request<'closed'>({ cmd: 'close' })));
  }
  async stop() {
    await Promise.all(this.processes.map((p) => p.service.stop()));
  }
}

function summarise(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN);
  return { count: sorted.length, min: sorted.length ? sorted[0]! : Number.NaN, p50: at(50), p99: at(99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function runEdgeGrip(options: EdgeGripOptions): Promise<EdgeGripResults> {
  const problem = pushpinUnavailable();
  if (problem) throw new Error(`edge: ${problem}`);
  const { log, events } = options;
  const n = options.readers;
  const notes: string[] = [];
  const databaseUrl = await freshDatabase(options.databaseUrl, 'diretta_bench_edge');
  const token = await mintToken(BENCH_JWT_SECRET, { role: 'editor', subject: 'bench-desk', expiresIn: 7200 });
  const key = randomBytes(18).toString('base64url');
  const timeoutMs = Math.max(20_000, n * 2);
  const query = `/graphql?query=${encodeURIComponent(TICKER_SUBSCRIPTION)}`;

  const controlPort = await freePort();
  const ports = [await freePort(), await freePort()];
  const gripEnv = { GRIP_URL: `http://127.0.0.1:${controlPort}`, GRIP_KEY: key, SEED_DEMO: 'true' };
  const apis: (Service & { url: string })[] = [];
  apis.push(await startApi({ databaseUrl, port: ports[0]!, env: gripEnv }));
  apis.push(await startApi({ databaseUrl, port: ports[1]!, env: gripEnv }));
  let pushpin: RunningPushpin | null = await startPushpin({ backendPorts: ports, controlPort, key, maxConnections: 100_000 });
  const writer = () => apis[0]!.url;
  const found = await graphql<{ story: { id: string } }>(writer(), 'query ($slug: String!) { story(slug: $slug) { id } }', { slug: demoStory.slug });
  const storyId = found.data!.story.id;
  const path = `${query}&variables=${encodeURIComponent(JSON.stringify({ story: storyId }))}`;
  let published = 0;
  const publish = async (via = writer()) => {
    published++;
    const response = await graphql(
      via,
      PUBLISH,
      { input: { story: storyId, headline: `Benchmark update ${published}: counting resumes in the northern districts`, body: 'Turnout reached 61 per cent at noon; the first projections are expected at eleven, the electoral commission said.' } },
      { authorization: `Bearer ${token}` },
    );
    if (response.errors) throw new Error(`publishing failed: ${JSON.stringify(response.errors)}`);
  };
  const storySeq = async (via = writer()) => {
    const r = await graphql<{ story: { eventCursor: string } }>(via, 'query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug: demoStory.slug });
    return Number(Buffer.from(r.data!.story.eventCursor, 'base64url').toString().split(':')[1]);
  };
  /** RSS and CPU per event of these processes over `count` events published one after the other. */
  const measure = async (pids: number[], count: number, each: (seq: number) => Promise<void>) => {
    const before = pids.map(cpuMs);
    const seqs: number[] = [];
    for (let i = 0; i < count; i++) {
      await publish();
      const seq = await storySeq();
      seqs.push(seq);
      await each(seq);
      await sleep(250);
    }
    const cpu = pids.map(cpuMs).reduce((a, c, i) => a + c - before[i]!, 0);
    return { seqs, cost: { rssMiB: pids.reduce((a, pid) => a + rssBytes(pid), 0) / 2 ** 20, cpuMsPerEvent: cpu / count } };
  };

  let heldSide: EdgeGripResults['held'];
  let restart: EdgeGripResults['restart'];
  let pool = new ReaderPool(n);
  try {
    // (a) Pushpin in front of two instances. One reader first, so that the channel exists with 0 readers too.
    const one = new ReaderPool(1);
    await one.connect(pushpin.port, path);
    await publish();
    await one.expect(await storySeq(), timeoutMs);
    await one.close();
    await one.stop();
    // Warm both instances up (JIT, pools, the publisher's prepared channel) before measuring anything: with 10
    // events, the 0-reader phase still ran colder than the loaded one (26 against 20 ms of CPU an event).
    for (let i = 0; i < 40; i++) {
      await publish();
      await sleep(100);
    }
    await sleep(2_000);
    log('edge: (a) Pushpin in front of two instances, 0 readers');
    const idle = await measure(apis.map((a) => a.pid), events, async () => sleep(200));
    log(`edge: (a) connecting ${n} readers through Pushpin`);
    const connected = await pool.connect(pushpin.port, path);
    log(`edge: (a) ${connected.ok} connected, ${connected.failed} failed${connected.firstError ? ` (${connected.firstError})` : ''}`);
    await publish();
    const warmStarted = performance.now();
    const warm = await pool.expect(await storySeq(), timeoutMs * 2);
    log(`edge: (a) warm-up event reached ${warm}/${connected.ok} in ${((performance.now() - warmStarted) / 1000).toFixed(1)} s`);
    if (connected.failed > 0) notes.push(`(a): ${connected.failed} of ${n} readers could not connect through Pushpin (${connected.firstError ?? '?'}); lost and duplicates count the ${connected.ok} that did.`);
    await sleep(2_000);
    const loaded = await measure(apis.map((a) => a.pid), events, async (seq) => {
      const got = await pool.expect(seq, timeoutMs);
      if (got < connected.ok) log(`edge: (a) event ${seq} reached ${got}/${connected.ok}`);
    });
    const summary = await pool.summary(loaded.seqs);
    heldSide = { readers: n, connected: connected.ok, failedConnections: connected.failed, ...(connected.firstError ? { firstError: connected.firstError } : {}), latency: summary.latency, lost: summary.lost, duplicates: summary.duplicates, outOfOrder: summary.outOfOrder, disconnected: summary.disconnected, messageBytes: summary.bytes, withIds: summary.withIds, idle: idle.cost, loaded: loaded.cost };
    log(`edge: (a) p50 ${summary.latency.p50.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms, lost ${summary.lost}, duplicates ${summary.duplicates}; API ${loaded.cost.cpuMsPerEvent.toFixed(0)} ms CPU/event (0 readers: ${idle.cost.cpuMsPerEvent.toFixed(0)})`);

    // The rolling restart: each instance stopped and started again while events are published through the other.
    log('edge: (a) restarting both instances, one after the other, while publishing');
    const seqs: number[] = [];
    const before = summary.disconnected;
    for (const index of [0, 1]) {
      const other = apis[1 - index]!;
      await apis[index]!.stop();
      for (let i = 0; i < 3; i++) {
        await publish(other.url);
        seqs.push(await storySeq(other.url));
        await sleep(250);
      }
      apis[index] = await startApi({ databaseUrl, port: ports[index]!, env: gripEnv });
      for (let i = 0; i < 3; i++) {
        await publish(other.url);
        seqs.push(await storySeq(other.url));
        await sleep(250);
      }
    }
    for (const seq of seqs) await pool.expect(seq, timeoutMs);
    const after = await pool.summary(seqs);
    restart = { readers: connected.ok, events: seqs.length, disconnected: after.disconnected - before, lost: after.lost, duplicates: after.duplicates, latency: after.latency };
    log(`edge: restart: ${restart.disconnected} readers disconnected, ${restart.lost} events lost, ${restart.duplicates} duplicates`);
    await pool.close();
  } finally {
    await pool.stop();
    await pushpin?.stop();
    pushpin = null;
    for (const api of apis) await api.stop();
  }

  // (b) The same readers straight on one instance (no GRIP).
  let directSide: EdgeGripResults['direct'];
  const direct = await startApi({ databaseUrl, port: ports[0]!, env: { SEED_DEMO: 'false' } });
  apis.splice(0, apis.length, direct);
  pool = new ReaderPool(n);
  try {
    for (let i = 0; i < 10; i++) {
      await publish();
      await storySeq();
    }
    await sleep(1_000);
    log('edge: (b) one instance, 0 readers');
    const idle = await measure([direct.pid], events, async () => sleep(200));
    log(`edge: (b) connecting ${n} readers straight to the API`);
    const connected = await pool.connect(ports[0]!, path);
    log(`edge: (b) ${connected.ok} connected, ${connected.failed} failed${connected.firstError ? ` (${connected.firstError})` : ''}`);
    if (connected.ok < n) notes.push(`(b): ${connected.failed} of ${n} readers could not connect to the API directly (${connected.firstError ?? '?'}): one process here may hold at most 20,000 open files.`);
    await publish();
    await pool.expect(await storySeq(), timeoutMs * 2);
    await sleep(2_000);
    const loaded = await measure([direct.pid], events, async (seq) => {
      await pool.expect(seq, timeoutMs);
    });
    const summary = await pool.summary(loaded.seqs);
    directSide = { readers: n, connected: connected.ok, failedConnections: connected.failed, ...(connected.firstError ? { firstError: connected.firstError } : {}), latency: summary.latency, lost: summary.lost, duplicates: summary.duplicates, outOfOrder: summary.outOfOrder, disconnected: summary.disconnected, messageBytes: summary.bytes, withIds: summary.withIds, idle: idle.cost, loaded: loaded.cost };
    log(`edge: (b) p50 ${summary.latency.p50.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms, lost ${directSide.lost}; API ${loaded.cost.cpuMsPerEvent.toFixed(0)} ms CPU/event, ${loaded.cost.rssMiB.toFixed(0)} MiB`);
    await pool.close();
  } finally {
    await pool.stop();
    await direct.stop();
  }

  // (c) The floor: Pushpin alone, the same number of readers on one channel, messages of the same size.
  const messageBytes = heldSide.messageBytes;
  const backend = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'grip-hold': 'stream', 'grip-channel': 'floor', 'grip-keep-alive': ':\\n\\n; format=cstring; timeout=20' });
    res.end();
  });
  const backendPort = await freePort();
  await new Promise<void>((done) => backend.listen(backendPort, '127.0.0.1', done));
  const floorPushpin = await startPushpin({ backendPorts: [backendPort], maxConnections: 100_000 });
  pool = new ReaderPool(n);
  let floorSide: EdgeGripSide;
  try {
    log(`edge: (c) connecting ${n} readers to Pushpin alone`);
    const connected = await pool.connect(floorPushpin.port, path);
    log(`edge: (c) ${connected.ok} connected, ${connected.failed} failed${connected.firstError ? ` (${connected.firstError})` : ''}`);
    const seqs: number[] = [];
    for (let seq = 1; seq <= events + 1; seq++) {
      const head = `id: ${seq}\nevent: next\ndata: {"data":{"storyEvents":{"sequence":${seq},"occurredAt":"${new Date().toISOString()}","padding":"`;
      const content = `${head}${'x'.repeat(Math.max(0, messageBytes - head.length - 8))}"}}}\n\n`;
      const response = await fetch(`${floorPushpin.controlUrl}/publish/`, { method: 'POST', body: JSON.stringify({ items: [{ channel: 'floor', id: String(seq), formats: { 'http-stream': { content } } }] }) });
      await response.arrayBuffer();
      if (seq > 1) seqs.push(seq);
      await pool.expect(seq, timeoutMs);
      await sleep(250);
    }
    const summary = await pool.summary(seqs);
    floorSide = { readers: n, connected: connected.ok, failedConnections: connected.failed, latency: summary.latency, lost: summary.lost, duplicates: summary.duplicates, outOfOrder: summary.outOfOrder, disconnected: summary.disconnected, messageBytes: summary.bytes, withIds: summary.withIds };
    log(`edge: (c) floor p50 ${summary.latency.p50.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms, lost ${summary.lost}`);
    await pool.close();
  } finally {
    await pool.stop();
    await floorPushpin.stop();
    await new Promise((done) => backend.close(done));
  }
  return { readers: n, events, sources: SOURCES, held: heldSide, direct: directSide, floor: floorSide, restart, notes };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

export function edgeGripTargets(r: EdgeGripResults) {
  const cpuGrowth = r.held.loaded.cpuMsPerEvent / Math.max(1e-9, r.held.idle.cpuMsPerEvent) - 1;
  const rssGrowth = r.held.loaded.rssMiB / r.held.idle.rssMiB - 1;
  return [
    { target: `through Pushpin at ${r.held.connected} readers: p99 ≤ 1.5× the Pushpin-alone floor`, measured: `${ms(r.held.latency.p99)} vs ${ms(r.floor.latency.p99)} (${(r.held.latency.p99 / r.floor.latency.p99).toFixed(2)}×)`, met: r.held.latency.p99 <= 1.5 * r.floor.latency.p99 },
    { target: 'through Pushpin: 0 lost, 0 duplicates', measured: `${r.held.lost} lost, ${r.held.duplicates} duplicates, ${r.held.outOfOrder} out of order`, met: r.held.lost === 0 && r.held.duplicates === 0 && r.held.outOfOrder === 0 },
    { target: 'API CPU per event flat (±20 %) from 0 to all held readers', measured: `${r.held.idle.cpuMsPerEvent.toFixed(0)} → ${r.held.loaded.cpuMsPerEvent.toFixed(0)} ms (${(cpuGrowth * 100).toFixed(0)} %)`, met: Math.abs(cpuGrowth) <= 0.2 },
    { target: 'API RSS flat (±20 %) from 0 to all held readers', measured: `${r.held.idle.rssMiB.toFixed(0)} → ${r.held.loaded.rssMiB.toFixed(0)} MiB (${(rssGrowth * 100).toFixed(0)} %)`, met: Math.abs(rssGrowth) <= 0.2 },
    { target: 'rolling restart of both instances: 0 readers disconnected, 0 events lost', measured: `${r.restart.disconnected} disconnected, ${r.restart.lost} lost, ${r.restart.duplicates} duplicates`, met: r.restart.disconnected === 0 && r.restart.lost === 0 && r.restart.duplicates === 0 },
  ];
}

export function renderEdgeGrip(r: EdgeGripResults): string[] {
  const row = (name: string, s: EdgeGripSide) =>
    `| ${name} | ${s.connected}/${s.readers} | ${ms(s.latency.p50)} | ${ms(s.latency.p99)} | ${ms(s.latency.max)} | ${s.lost} | ${s.duplicates} | ${s.disconnected} | ${s.withIds > 0 ? 'yes' : 'no'} |`;
  const cost = (c: ApiCost) => `${c.rssMiB.toFixed(0)} MiB, ${c.cpuMsPerEvent.toFixed(0)} ms CPU/event`;
  return [
    `## Edge push: ${r.readers.toLocaleString('en')} SSE readers of one story, ${r.events} entries published one after the other (250 ms apart)`,
    '',
    `Readers are raw TCP sockets in ${Math.ceil(r.readers / PER_PROCESS)} processes, from ${r.sources.join(', ')}; latency is commit (\`occurredAt\`) → receipt, every reader, every event (the floor: publish → receipt).`,
    '',
    '| setup | readers connected | p50 | p99 | max | lost | duplicates | disconnected | `id:` on messages |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row('(a) Pushpin → 2 API instances (GRIP)', r.held),
    row('(b) 1 API instance, direct (Yoga SSE)', r.direct),
    row('(c) floor: Pushpin alone, same bytes', r.floor),
    '',
    `Messages of ${r.held.messageBytes} bytes. The API's cost (both instances together for (a); the publishing mutation included), with 0 readers → with all of them:`,
    '',
    `- (a) held by Pushpin: ${cost(r.held.idle)} → ${cost(r.held.loaded)}`,
    `- (b) direct: ${cost(r.direct.idle)} → ${cost(r.direct.loaded)}`,
    '',
    `Rolling restart of both instances while ${r.restart.readers.toLocaleString('en')} readers are held and ${r.restart.events} events are published: **${r.restart.disconnected} readers disconnected, ${r.restart.lost} events lost, ${r.restart.duplicates} duplicates** (p99 ${ms(r.restart.latency.p99)}, max ${ms(r.restart.latency.max)}).`,
    '',
    ...r.notes.map((note) => `- ${note}`),
    ...(r.notes.length ? [''] : []),
  ];
}
