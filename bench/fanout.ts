/**
 * The fan-out benchmark: N graphql-ws subscribers (bench/fanout-clients.ts,
 * a process of its own) follow one story of one API instance; entries are
 * published through the HTTP API one after the other, and every subscriber
 * times each event from its commit (`occurredAt`) to its receipt. Then the
 * same clients connect to a bare ws server (bench/bare-ws.ts) that
 * broadcasts a message of the same size: the floor.
 */
import { mintToken } from '../src/auth/tokens.js';
import type { ClientCommand, ClientMessage, LatencySummary } from './fanout-clients.js';
import { BENCH_JWT_SECRET, ClientChannel, PUBLISH, freePort, graphql, rssBytes, sleep, startApi, startNode, waitForLine } from './services.js';

export interface FanoutOptions {
  databaseUrl: string;
  subscribers: number;
  events: number;
  /** Loopback source addresses the readers connect from (127.0.0.1, .2, …); needed past ~28,000 readers. */
  sources?: number;
  /** The transports measured beside the floor (default both). */
  transports?: ('graphql-ws' | 'sse')[];
  log: (message: string) => void;
}

export interface FanoutSide {
  latency: LatencySummary;
  perEvent: (LatencySummary & { seq: number })[];
  lost: number;
  duplicates: number;
  outOfOrder: number;
  connectSeconds: number;
  failedConnections: number;
}

export type ApiSide = FanoutSide & {
  transport: 'graphql-ws' | 'sse';
  rssBeforeBytes: number;
  rssIdleBytes: number;
  /** RSS growth over all readers, divided by them: what the first readers grow once included. */
  rssPerSubscriberBytes: number;
  /** RSS growth while the second half connected, divided by them: one more idle reader (absent from older reports). */
  rssPerAddedSubscriberBytes?: number;
  messageBytes: number;
};

/** How long readers are left idle before memory is read: 2 s for thousands, less for the test suite's smoke run of a few. */
export const settleMs = (readers: number) => Math.min(2_000, 200 + readers);

type Connected = Extract<ClientMessage, { type: 'connected' }>;

/**
 * Connects n readers in two halves, reading a process's RSS before, between and after: the second half's
 * growth is what one more idle reader costs a process already holding thousands (what the first readers
 * grow once, the heap's spaces and caches, it does not pay again). The API and the floors alike.
 */
async function inHalves(n: number, connectHalf: (count: number, append: boolean) => Promise<Connected>, rss: () => number) {
  const rssBeforeBytes = rss();
  const firstHalf = Math.ceil(n / 2);
  const first = await connectHalf(firstHalf, false);
  if (first.ok === 0) throw new Error(`no reader could connect: ${first.firstError}`);
  const rssHalfBytes = rss();
  const second = await connectHalf(n - firstHalf, true);
  const rssIdleBytes = rss();
  const firstError = first.firstError ?? second.firstError;
  const connected: Connected = { type: 'connected', ok: first.ok + second.ok, failed: first.failed + second.failed, ms: first.ms + second.ms, ...(firstError ? { firstError } : {}) };
  return {
    connected,
    rss: {
      rssBeforeBytes,
      rssIdleBytes,
      rssPerSubscriberBytes: (rssIdleBytes - rssBeforeBytes) / Math.max(1, connected.ok),
      rssPerAddedSubscriberBytes: (rssIdleBytes - rssHalfBytes) / Math.max(1, second.ok),
    },
  };
}

const kbText = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export interface FanoutResults {
  subscribers: number;
  events: number;
  sources: number;
  messageBytes: number;
  /** graphql-ws (kept as `api` for older reports). */
  api: ApiSide;
  sse?: ApiSide;
  /** The bare ws server's sockets. */
  floor: FloorSide;
  /** The bare server's SSE streams (when SSE was measured). */
  sseFloor?: FloorSide;
}

/** A floor's side: its RSS per idle reader read as the API's is (absent from reports older than it). */
export type FloorSide = FanoutSide & { rssPerSubscriberBytes?: number; rssPerAddedSubscriberBytes?: number };

/** What a live ticker subscribes to (docs/live.md). */
export const TICKER_SUBSCRIPTION = `subscription Ticker($story: ID!) {
  storyEvents(story: $story) {
    cursor sequence kind occurredAt
    entry { id headline body status pinned keyEvent revision correctionNote
            people { name } places { name } quotes { text speaker { name } } }
    story { status }
  }
}`;


/** The clients process (bench/fanout-clients.ts). */
type Clients = ClientChannel<ClientCommand, ClientMessage>;

function side(summary: Extract<ClientMessage, { type: 'summary' }>, connected: Extract<ClientMessage, { type: 'connected' }>): FanoutSide {
  return {
    latency: summary.latency,
    perEvent: summary.perEvent,
    lost: summary.lost,
    duplicates: summary.duplicates,
    outOfOrder: summary.outOfOrder,
    connectSeconds: connected.ms / 1000,
    failedConnections: connected.failed,
  };
}

/** One transport against a fresh API process (its memory measured from its own baseline). */
async function runApiSide(options: FanoutOptions, clients: Clients, transport: 'graphql-ws' | 'sse'): Promise<ApiSide> {
  const { log, subscribers: n, events } = options;
  const token = await mintToken(BENCH_JWT_SECRET, { role: 'editor', subject: 'bench-desk', expiresIn: 3600 });
  // Admission control off: this measures how fast one instance takes them all (the storm benchmark measures admission).
  const api = await startApi({ databaseUrl: options.databaseUrl, port: await freePort(), env: { LIVE_ADMISSION_RATE: '0' } });
  const timeoutMs = Math.max(15_000, n * 3);
  try {
    const found = await graphql<{ stories: { edges: { node: { id: string; slug: string } }[] } }>(api.url, '{ stories(first: 1, status: [LIVE]) { edges { node { id slug } } } }');
    const story = found.data?.stories.edges[0]?.node;
    if (!story) throw new Error(`no live story to follow: run \`npm run bench:data\` first (${JSON.stringify(found.errors)})`);
    const mentions = await graphql<{ people: { edges: { node: { id: string } }[] } }>(api.url, '{ people(first: 2) { edges { node { id } } } }');
    const people = mentions.data?.people.edges.map((e) => e.node.id) ?? [];
    let published = 0;
    const publish = async () => {
      published++;
      const response = await graphql(
        api.url,
        PUBLISH,
        {
          input: {
            story: story.id,
            headline: `Benchmark update ${published}: negotiations resume after the night's attacks`,
            body: 'Delegations met again this morning. Air defence intercepted drones over the capital overnight; power is being restored in the eastern districts, the regional administration said.',
            people,
            quotes: people.slice(0, 1).map((speaker) => ({ text: 'We are ready to continue the talks as long as it takes.', speaker, source: 'Agency' })),
          },
        },
        { authorization: `Bearer ${token}` },
      );
      if (response.errors) throw new Error(`publishing failed: ${JSON.stringify(response.errors)}`);
    };
    const storySeq = async () => {
      // Read as the subscribers are (anonymous): readers' cursors and sequences count public events only.
      const r = await graphql<{ story: { eventCursor: string } }>(api.url, 'query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug: story.slug });
      return Number(Buffer.from(r.data!.story.eventCursor, 'base64url').toString().split(':')[1]);
    };

    // Warm the API up (JIT, pools) before taking its baseline memory.
    for (let i = 0; i < 20; i++) await storySeq();
    await sleep(1_000);
    log(`fanout: connecting ${n} ${transport} subscribers to ${story.slug}, in two halves`);
    const { connected, rss } = await inHalves(
      n,
      async (count, append) => {
        const connected = await clients.request<'connected'>({
          cmd: 'connect',
          url: transport === 'sse' ? `${api.url}/graphql` : `${api.url.replace('http', 'ws')}/graphql`,
          n: count,
          protocol: true,
          sse: transport === 'sse',
          sources: options.sources ?? 1,
          query: TICKER_SUBSCRIPTION,
          variables: { story: story.id },
          concurrency: 200,
          append,
        });
        log(`fanout: ${connected.ok} connected, ${connected.failed} failed, in ${(connected.ms / 1000).toFixed(1)} s${connected.firstError ? ` (${connected.firstError})` : ''}`);
        // An event that every reader so far must receive: proves they are all subscribed (not measured).
        await publish();
        const warm = await clients.request<'received'>({ cmd: 'expect', seq: await storySeq(), timeoutMs: timeoutMs * 4 });
        log(`fanout: warm-up event reached ${warm.count} subscribers`);
        await sleep(settleMs(n));
        return connected;
      },
      () => rssBytes(api.pid),
    );

    const seqs: number[] = [];
    for (let i = 0; i < events; i++) {
      await publish();
      const seq = await storySeq();
      seqs.push(seq);
      const got = await clients.request<'received'>({ cmd: 'expect', seq, timeoutMs });
      if (got.count < n) log(`fanout: event ${seq} reached only ${got.count}/${n} subscribers`);
      await sleep(250);
    }
    const summary = await clients.request<'summary'>({ cmd: 'summary', seqs });
    log(`fanout: ${transport} p50 ${summary.latency.p50.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms, max ${summary.latency.max.toFixed(1)} ms, lost ${summary.lost}, ${summary.bytes} bytes a message, ${kbText(rss.rssPerSubscriberBytes)} a reader, ${kbText(rss.rssPerAddedSubscriberBytes)} a reader of the second half`);
    await clients.request<'closed'>({ cmd: 'close' });
    return { ...side(summary, connected), transport, messageBytes: summary.bytes, ...rss };
  } finally {
    await api.stop();
  }
}

export async function runFanout(options: FanoutOptions): Promise<FanoutResults> {
  const { log, subscribers: n, events } = options;
  const transports = options.transports ?? ['graphql-ws', 'sse'];
  const clients: Clients = new ClientChannel(startNode('bench/fanout-clients.ts', {}, { stdin: true }));
  const timeoutMs = Math.max(15_000, n * 3);
  let ws: ApiSide | undefined;
  let sse: ApiSide | undefined;
  try {
    if (transports.includes('graphql-ws')) ws = await runApiSide(options, clients, 'graphql-ws');
    if (transports.includes('sse')) sse = await runApiSide(options, clients, 'sse');
  } catch (error) {
    await clients.service.stop();
    throw error;
  }
  const messageBytes = (ws ?? sse)!.messageBytes;

  // The floor: the same clients, a bare server (bench/bare-ws.ts), messages of the same sizes: WebSockets, then
  // SSE streams held by Node's own HTTP server when SSE was measured.
  const bare = startNode('bench/bare-ws.ts', {});
  try {
    const [, url] = await waitForLine(bare, /listening (http:\/\/\S+)/);
    const runFloor = async (transport: 'graphql-ws' | 'sse'): Promise<FloorSide> => {
      const name = transport === 'sse' ? 'bare SSE' : 'bare ws';
      log(`fanout: connecting ${n} clients to the ${name} server, in two halves`);
      let seq = 0;
      const broadcast = async (at: number) => {
        const response = await fetch(`${url}/broadcast?seq=${at}&bytes=${messageBytes}&sseBytes=${sse?.messageBytes ?? messageBytes}`, { method: 'POST' });
        await response.arrayBuffer();
        await clients.request<'received'>({ cmd: 'expect', seq: at, timeoutMs });
      };
      // Its memory is read as the API's is: each half idle after a first message (not measured).
      const {
        connected,
        rss: { rssPerSubscriberBytes, rssPerAddedSubscriberBytes },
      } = await inHalves(
        n,
        async (count, append) => {
          const connected = await clients.request<'connected'>({
            cmd: 'connect',
            url: transport === 'sse' ? `${url}/sse` : url!.replace('http', 'ws'),
            n: count,
            protocol: false,
            sse: transport === 'sse',
            concurrency: 200,
            sources: options.sources ?? 1,
            append,
          });
          await broadcast(++seq);
          await sleep(settleMs(n));
          return connected;
        },
        () => rssBytes(bare.pid),
      );
      log(`fanout: ${name}: ${connected.ok} connected in ${(connected.ms / 1000).toFixed(1)} s, ${kbText(rssPerSubscriberBytes)} a reader, ${kbText(rssPerAddedSubscriberBytes)} a reader of the second half`);
      const seqs: number[] = [];
      for (let i = 0; i < events; i++) {
        await broadcast(++seq);
        seqs.push(seq);
        await sleep(250);
      }
      const summary = await clients.request<'summary'>({ cmd: 'summary', seqs });
      log(`fanout: ${name} floor p50 ${summary.latency.p50.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms, max ${summary.latency.max.toFixed(1)} ms, lost ${summary.lost}`);
      await clients.request<'closed'>({ cmd: 'close' });
      return { ...side(summary, connected), rssPerSubscriberBytes, rssPerAddedSubscriberBytes };
    };
    const floor = await runFloor('graphql-ws');
    const sseFloor = sse ? await runFloor('sse') : undefined;
    return { subscribers: n, events, sources: options.sources ?? 1, messageBytes, api: (ws ?? sse)!, ...(ws && sse ? { sse } : {}), floor, ...(sseFloor ? { sseFloor } : {}) };
  } finally {
    await bare.stop();
    await clients.service.stop();
  }
}
