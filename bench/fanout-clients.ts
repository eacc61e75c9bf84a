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
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

export type ClientCommand =
  | { cmd: 'connect'; url: string; n: number; protocol: boolean; query?: string; variables?: Record<string, unknown>; concurrency: number }
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
  socket: WebSocket;
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
  const now = performance.timeOrigin + performance.now();
  const seq = Number(SEQUENCE.exec(text)?.[1] ?? NaN);
  const occurredAt = Date.parse(OCCURRED.exec(text)?.[1] ?? '');
  if (!Number.isFinite(seq)) return;
  messageBytes = data.length;
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

function connectOne(index: number, command: Extract<ClientCommand, { cmd: 'connect' }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(command.url, command.protocol ? 'graphql-transport-ws' : undefined, { perMessageDeflate: false });
    const client: Client = { socket, lastSeq: 0 };
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
  clients = new Array<Client>(command.n);
  latencies.clear();
  counts.clear();
  duplicates = outOfOrder = closedEarly = messageBytes = 0;
  expectedClients = command.n;
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < command.n) {
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

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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
          if (!client || client.socket.readyState === WebSocket.CLOSED) return resolve();
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
