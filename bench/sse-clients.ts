/**
 * N Server-Sent Events readers in one process, driven by bench/edge-grip.ts
 * through stdin (one JSON command a line), answering on stdout (`MSG <json>`
 * lines), as bench/fanout-clients.ts does for WebSockets.
 *
 * Each reader is a raw TCP socket sending `GET /graphql?query=…` with
 * `Accept: text/event-stream`, from one of several loopback source addresses
 * (127.0.0.2, 127.0.0.3, …: one address has fewer than 30,000 ephemeral
 * ports), and decoding the chunked response itself, so that thousands fit in
 * one event loop. A message is not parsed as a whole: its `sequence` and
 * `occurredAt` are picked out of the text; latency is receipt time minus
 * `occurredAt` (same machine, same clock as the database's).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { percentile } from './percentile.js';

export type SseCommand =
  | { cmd: 'connect'; port: number; path: string; n: number; sources: string[]; concurrency: number; headers?: Record<string, string> }
  | { cmd: 'expect'; seq: number; timeoutMs: number }
  | { cmd: 'summary'; seqs: number[] }
  | { cmd: 'close' };

export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
}

export type SseMessage =
  | { type: 'connected'; ok: number; failed: number; ms: number; firstError?: string }
  | { type: 'received'; seq: number; count: number; ms: number }
  | { type: 'summary'; latency: LatencySummary; values: number[]; lost: number; duplicates: number; outOfOrder: number; disconnected: number; bytes: number; withIds: number }
  | { type: 'closed' };

const send = (message: SseMessage) => process.stdout.write(`MSG ${JSON.stringify(message)}\n`);

interface Reader {
  socket: Socket;
  lastSeq: number;
  head: string | null;
  /** Body bytes left in the current chunk; -1: reading a chunk-size line. */
  chunkLeft: number;
  pending: string;
  text: string;
  closed: boolean;
}

let readers: Reader[] = [];
const latencies = new Map<number, Float64Array>();
const counts = new Map<number, number>();
let duplicates = 0;
let outOfOrder = 0;
let disconnected = 0;
let messageBytes = 0;
let withIds = 0;
let expected = 0;
/** Readers that connected (a reader that could not connect is counted as such, not as events lost). */
let connectedReaders = new Uint8Array(0);
let target = 0;
let waiter: { seq: number; resolve: () => void } | null = null;
let closing = false;

const SEQUENCE = /"sequence":(\d+)/;
const OCCURRED = /"occurredAt":"([^"]+)"/;

function onEvent(index: number, message: string) {
  if (!message.includes('event: next')) return;
  const now = performance.timeOrigin + performance.now();
  const seq = Number(SEQUENCE.exec(message)?.[1] ?? NaN);
  const occurredAt = Date.parse(OCCURRED.exec(message)?.[1] ?? '');
  if (!Number.isFinite(seq)) return;
  messageBytes = message.length + 2;
  if (message.startsWith('id:')) withIds++;
  const reader = readers[index]!;
  if (seq <= reader.lastSeq) {
    if (seq === reader.lastSeq) duplicates++;
    else outOfOrder++;
    return;
  }
  reader.lastSeq = seq;
  let slots = latencies.get(seq);
  if (!slots) {
    slots = new Float64Array(expected).fill(Number.NaN);
    latencies.set(seq, slots);
  }
  slots[index] = now - occurredAt;
  const count = (counts.get(seq) ?? 0) + 1;
  counts.set(seq, count);
  if (waiter && waiter.seq === seq && count >= target) waiter.resolve();
}

/** Chunked transfer decoding, then SSE messages (blank-line separated). */
function onBody(index: number, reader: Reader, data: string) {
  reader.pending += data;
  for (;;) {
    if (reader.chunkLeft < 0) {
      const end = reader.pending.indexOf('\r\n');
      if (end < 0) break;
      const line = reader.pending.slice(0, end).trim();
      reader.pending = reader.pending.slice(end + 2);
      if (line === '') continue;
      reader.chunkLeft = parseInt(line, 16);
      if (reader.chunkLeft === 0) break;
    } else {
      const take = reader.pending.slice(0, reader.chunkLeft);
      reader.pending = reader.pending.slice(take.length);
      reader.chunkLeft -= take.length;
      reader.text += take;
      if (reader.chunkLeft === 0) reader.chunkLeft = -1;
      if (reader.pending.length === 0) break;
    }
  }
  let end: number;
  while ((end = reader.text.indexOf('\n\n')) >= 0) {
    const message = reader.text.slice(0, end);
    reader.text = reader.text.slice(end + 2);
    onEvent(index, message);
  }
}

function connectOne(index: number, command: Extract<SseCommand, { cmd: 'connect' }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port: command.port, localAddress: command.sources[index % command.sources.length] });
    socket.setEncoding('latin1');
    const reader: Reader = { socket, lastSeq: 0, head: null, chunkLeft: -1, pending: '', text: '', closed: false };
    readers[index] = reader;
    let ready = false;
    socket.on('error', (error) => {
      if (!ready) reject(error);
    });
    socket.on('close', () => {
      reader.closed = true;
      if (ready && !closing) disconnected++;
      if (!ready) reject(new Error('closed before the response'));
    });
    socket.on('connect', () => {
      const extra = Object.entries(command.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`GET ${command.path} HTTP/1.1\r\nHost: 127.0.0.1:${command.port}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
    });
    socket.on('data', (data: string) => {
      if (reader.head === null) {
        reader.pending += data;
        const end = reader.pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        reader.head = reader.pending.slice(0, end);
        const rest = reader.pending.slice(end + 4);
        reader.pending = '';
        if (!/^HTTP\/1\.1 200/.test(reader.head)) {
          socket.destroy();
          return reject(new Error(reader.head.split('\r\n')[0]));
        }
        ready = true;
        resolve();
        if (rest) onBody(index, reader, rest);
        return;
      }
      onBody(index, reader, data);
    });
  });
}

async function connect(command: Extract<SseCommand, { cmd: 'connect' }>) {
  const started = performance.now();
  readers = new Array<Reader>(command.n);
  latencies.clear();
  counts.clear();
  duplicates = outOfOrder = disconnected = messageBytes = withIds = 0;
  closing = false;
  expected = command.n;
  connectedReaders = new Uint8Array(command.n);
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < command.n) {
      const index = next++;
      try {
        await connectOne(index, command);
        connectedReaders[index] = 1;
        ok++;
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  target = ok;
  send({ type: 'connected', ok, failed, ms: performance.now() - started, ...(firstError ? { firstError } : {}) });
}

function summarise(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, min: sorted.length ? sorted[0]! : Number.NaN, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

function summary(seqs: number[]) {
  const all: number[] = [];
  let lost = 0;
  for (const seq of seqs) {
    const slots = latencies.get(seq) ?? new Float64Array(expected).fill(Number.NaN);
    const received = Array.from(slots).filter((v) => !Number.isNaN(v));
    for (let i = 0; i < slots.length; i++) if (connectedReaders[i] && Number.isNaN(slots[i]!)) lost++;
    for (const v of received) all.push(v);
  }
  send({ type: 'summary', latency: summarise(all), values: all.map((v) => Math.round(v * 10) / 10), lost, duplicates, outOfOrder, disconnected, bytes: messageBytes, withIds });
}

async function expectSeq(seq: number, timeoutMs: number) {
  const started = performance.now();
  if ((counts.get(seq) ?? 0) < target) {
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

function close() {
  closing = true;
  for (const reader of readers) reader?.socket.destroy();
  readers = [];
  send({ type: 'closed' });
}

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as SseCommand;
  queue = queue.then(async () => {
    if (command.cmd === 'connect') await connect(command);
    else if (command.cmd === 'expect') await expectSeq(command.seq, command.timeoutMs);
    else if (command.cmd === 'summary') summary(command.seqs);
    else close();
  });
});
process.stdin.on('end', () => process.exit(0));
