/**
 * N WebSocket subscribers in one process, driven by the fan-out benchmark
 * through stdin (one JSON command a line) and answering on stdout
 * (`MSG <json>` lines).
 *
 * They speak graphql-transport-ws by hand (connection_init, subscribe, and
 * reading `next` messages) rather than through graphql-ws's client, so that
 * 10,000 of them fit in one event loop and measure the server, not
 * themselves; for the same reason a message is not parsed as a whole: its
 * `sequence` and `occurredAt` are picked out of the text. The same clients
 * connect to the bare ws server for the floor, which sends the same shape.
 *
 * Latency is receipt time minus the event's `occurredAt` (same machine, same
 * clock as the database's).
 */
import { type ClientRequest, request } from 'node:http';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { percentile } from './percentile.js';

export type ClientCommand =
  | {
      cmd: 'connect';
      url: string;
      n: number;
      protocol: boolean;
      query?: string;
      variables?: Record<string, unknown>;
      concurrency: number;
      /** Server-Sent Events (Yoga's distinct-connections mode, a GET per reader) instead of WebSockets. */
      sse?: boolean;
      /** Loopback source addresses to spread the readers over (127.0.0.1, .2, …): one address has about 28,000 ephemeral ports. */
      sources?: number;
      /** Add these readers to those already connected (their counts go on), instead of starting afresh. */
      append?: boolean;
    }
  | { cmd: 'expect'; seq: number; timeoutMs: number }
  | { cmd: 'summary'; seqs: number[] }
  | { cmd: 'close' };

export interface LatencySummary {
  count: number;
  /** The first receipt: the fixed cost of the pipeline, before any fan-out. */
  min: number;
  p50: number;
  p99: number;
  max: number;
}

export type ClientMessage =
  | { type: 'connected'; ok: number; failed: number; ms: number; firstError?: string }
  | { type: 'received'; seq: number; count: number; ms: number }
  | { type: 'summary'; latency: LatencySummary; perEvent: (LatencySummary & { seq: number })[]; lost: number; duplicates: number; outOfOrder: number; closed: number; bytes: number }
  | { type: 'closed' };

const send = (message: ClientMessage) => process.stdout.write(`MSG ${JSON.stringify(message)}\n`);

interface Client {
  socket: WebSocket | null;
  /** An SSE reader's request (its response is the stream). */
  stream: ClientRequest | null;
  lastSeq: number;
}

let clients: Client[] = [];
/** Latencies per event sequence, one slot per client (NaN until received). */
const latencies = new Map<number, Float64Array>();
const counts = new Map<number, number>();
let duplicates = 0;
let outOfOrder = 0;
let closedEarly = 0;
let messageBytes = 0;
let expectedClients = 0;
let waiter: { seq: number; resolve: () => void } | null = null;

const SEQUENCE = /"sequence":(\d+)/;
const OCCURRED = /"occurredAt":"([^"]+)"/;

function onMessage(index: number, data: Buffer) {
  const text = data.toString();
  if (!text.includes('"next"')) return;
  onEvent(index, text, data.length);
}

function onEvent(index: number, text: string, bytes: number) {
  const now = performance.timeOrigin + performance.now();
  const seq = Number(SEQUENCE.exec(text)?.[1] ?? NaN);
  const occurredAt = Date.parse(OCCURRED.exec(text)?.[1] ?? '');
  if (!Number.isFinite(seq)) return;
  messageBytes = bytes;
  const client = clients[index]!;
  if (seq <= client.lastSeq) {
    if (seq === client.lastSeq) duplicates++;
    else outOfOrder++;
    return;
  }
  client.lastSeq = seq;
  let slots = latencies.get(seq);
  if (!slots) {
    slots = new Float64Array(expectedClients).fill(Number.NaN);
    latencies.set(seq, slots);
  }
  slots[index] = now - occurredAt;
  const count = (counts.get(seq) ?? 0) + 1;
  counts.set(seq, count);
  if (waiter && waiter.seq === seq && count >= expectedClients) waiter.resolve();
}

const sourceAddress = (index: number, sources: number | undefined) => (sources && sources > 1 ? `127.0.0.${1 + (index % sources)}` : undefined);

/** An SSE reader: a GET of the subscription with `Accept: text/event-stream`; events are split on blank lines. */
function connectSse(index: number, command: Extract<ClientCommand, { cmd: 'connect' }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(command.url);
    url.searchParams.set('query', command.query ?? '');
    url.searchParams.set('variables', JSON.stringify(command.variables ?? {}));
    const client: Client = { socket: null, stream: null, lastSeq: 0 };
    clients[index] = client;
    let ready = false;
    const req = request(url, { headers: { accept: 'text/event-stream' }, agent: false, localAddress: sourceAddress(index, command.sources) }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`SSE answered ${res.statusCode}`));
        res.resume();
        return;
      }
      ready = true;
      resolve();
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (event.startsWith('event: next')) onEvent(index, event, Buffer.byteLength(event) + 2);
        }
      });
      res.on('close', () => {
        if (client.stream) closedEarly++;
      });
    });
    client.stream = req;
    req.on('error', (error) => {
      if (!ready) reject(error);
    });
    req.end();
  });
}

function connectOne(index: number, command: Extract<ClientCommand, { cmd: 'connect' }>): Promise<void> {
  if (command.sse) return connectSse(index, command);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(command.url, command.protocol ? 'graphql-transport-ws' : undefined, { perMessageDeflate: false, localAddress: sourceAddress(index, command.sources) });
    const client: Client = { socket, stream: null, lastSeq: 0 };
    clients[index] = client;
    let ready = false;
    socket.on('error', (error) => {
      if (!ready) reject(error);
    });
    socket.on('close', () => {
      if (ready) closedEarly++;
    });
    socket.on('open', () => {
      if (!command.protocol) {
        ready = true;
        resolve();
        return;
      }
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    });
    socket.on('message', (data: Buffer) => {
      if (!ready) {
        if (data.toString().includes('"connection_ack"')) {
          ready = true;
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: command.query, variables: command.variables ?? {} } }));
          resolve();
        }
        return;
      }
      onMessage(index, data);
    });
  });
}

async function connect(command: Extract<ClientCommand, { cmd: 'connect' }>) {
  const started = performance.now();
  const first = command.append ? clients.length : 0;
  if (command.append) {
    clients.length = first + command.n;
  } else {
    clients = new Array<Client>(command.n);
    latencies.clear();
    counts.clear();
    duplicates = outOfOrder = closedEarly = messageBytes = 0;
  }
  expectedClients = first + command.n;
  let next = first;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < first + command.n) {
      const index = next++;
      try {
        await connectOne(index, command);
        ok++;
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  send({ type: 'connected', ok, failed, ms: performance.now() - started, ...(firstError ? { firstError } : {}) });
}

function summarise(values: number[] | Float64Array): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, min: sorted.length ? sorted[0]! : Number.NaN, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

function summary(seqs: number[]) {
  const all: number[] = [];
  const perEvent = [];
  let lost = 0;
  for (const seq of seqs) {
    const slots = latencies.get(seq) ?? new Float64Array(expectedClients).fill(Number.NaN);
    const received = Array.from(slots).filter((v) => !Number.isNaN(v));
    lost += expectedClients - received.length;
    for (const v of received) all.push(v);
    perEvent.push({ seq, ...summarise(received) });
  }
  send({ type: 'summary', latency: summarise(all), perEvent, lost, duplicates, outOfOrder, closed: closedEarly, bytes: messageBytes });
}

async function expect(seq: number, timeoutMs: number) {
  const started = performance.now();
  if ((counts.get(seq) ?? 0) < expectedClients) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
    waiter = null;
  }
  send({ type: 'received', seq, count: counts.get(seq) ?? 0, ms: performance.now() - started });
}

async function close() {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client?.stream) {
            const stream = client.stream;
            client.stream = null;
            stream.destroy();
            return resolve();
          }
          if (!client?.socket || client.socket.readyState === WebSocket.CLOSED) return resolve();
          client.socket.once('close', () => resolve());
          client.socket.terminate();
        }),
    ),
  );
  clients = [];
  send({ type: 'closed' });
}

// Commands run one at a time, in order.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as ClientCommand;
  queue = queue.then(async () => {
    if (command.cmd === 'connect') await connect(command);
    else if (command.cmd === 'expect') await expect(command.seq, command.timeoutMs);
    else if (command.cmd === 'summary') summary(command.seqs);
    else await close();
  });
});
process.stdin.on('end', () => process.exit(0));
