/**
 * Readers for the reconnect-storm benchmark (bench/storm.ts), in a process
 * of their own, driven through stdin (one JSON command a line) and
 * answering on stdout (`MSG <json>` lines).
 *
 * Each reader follows one story over graphql-transport-ws (spoken by hand,
 * as in bench/fanout-clients.ts) with `after: <cursor>`, and when its socket
 * closes it comes back and resumes after the last cursor it received, as
 * the page does (src/site/browser/ticker.ts): after the server's hint when
 * it was turned away (close 1013, `retry in <ms> ms`), else after a backoff
 * with full jitter. It records, per event sequence, when it received it,
 * and per disconnection, when it lost the socket and when it was back.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

export type StormCommand =
  /**
   * `n` readers, numbered from `indexBase` among all the storm's readers (several of these processes share a storm:
   * one process may hold as many sockets as the open-files limit allows); reader i goes through `urls[i % urls.length]`
   * (one haproxy can hold only so many) from 127.0.0.(1 + i % sources).
   */
  | { cmd: 'connect'; urls: string[]; n: number; indexBase: number; story: string; after: string; concurrency: number; sources: number }
  | { cmd: 'status' }
  | { cmd: 'summary'; lastSeq: number; firstSeq: number }
  | { cmd: 'close' };

export interface StormSummary {
  readers: number;
  /** Events each reader should have had (firstSeq…lastSeq), all readers together. */
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  disconnects: number;
  /** Connection attempts turned away by admission control (close 1013). */
  turnedAway: number;
  /** Attempts that failed otherwise (refused, reset, closed before the subscription was up). */
  failedAttempts: number;
  /** Those failed attempts by cause: the socket's error (`ECONNRESET`, `Unexpected server response: 503`…) or else its close code. Absent from older reports. */
  failedBy?: Record<string, number>;
  /** Subscriptions answered with an `error` or ended with `complete`, after which the reader resumed. */
  refusedSubscriptions: number;
  /** Disconnection → caught up with everything committed before it, per disconnection (ms). */
  caughtUp: { count: number; p50: number; p99: number; max: number };
  /** Readers never caught up by the summary (disconnections still open). */
  stillAway: number;
  /** Disconnections after which the reader never received what it was owed (also counted in `lost`). */
  neverCaughtUp: number;
}

export type StormMessage =
  | { type: 'connected'; ok: number; failed: number; ms: number }
  | { type: 'status'; open: number; subscribed: number; disconnects: number; turnedAway: number }
  /** A process's counts, and each of its disconnections' time to caught up (ms): the storm takes percentiles over all its processes. */
  | { type: 'summary'; summary: Omit<StormSummary, 'caughtUp'>; caughtUpMs: number[] }
  | { type: 'closed' };

const send = (message: StormMessage) => process.stdout.write(`MSG ${JSON.stringify(message)}\n`);

interface Reader {
  index: number;
  socket: WebSocket | null;
  cursor: string;
  lastSeq: number;
  attempt: number;
  /** Receipt time per sequence (ms since the epoch), NaN until received. */
  receivedAt: Float64Array;
  duplicates: number;
  outOfOrder: number;
  /** Open disconnection: when the socket closed. */
  lostAt: number | null;
  /** Closed disconnections: [lostAt, backAt (subscription acknowledged by the first message or the ack)]. */
  away: [number, number][];
  subscribed: boolean;
}

let readers: Reader[] = [];
let config: Extract<StormCommand, { cmd: 'connect' }> | null = null;
let closing = false;
let turnedAway = 0;
let failedAttempts = 0;
const failedBy: Record<string, number> = {};
let disconnects = 0;
/** Subscriptions the server refused or ended (an `error` or `complete`): the reader closes and resumes. */
let refusedSubscriptions = 0;
const MAX_EVENTS = 4_096;
let baseSeq = 0;
/** Commit time (occurredAt) per sequence, from the messages themselves. */
const committedAt = new Float64Array(MAX_EVENTS).fill(Number.NaN);

const SEQUENCE = /"sequence":(\d+)/;
const OCCURRED = /"occurredAt":"([^"]+)"/;
const CURSOR = /"cursor":"([^"]+)"/;
const RETRY_HINT = /retry in (\d+) ms/;

function retryDelay(code: number, reason: string, attempt: number): number {
  const hint = code === 1013 ? Number(RETRY_HINT.exec(reason)?.[1]) : Number.NaN;
  if (Number.isFinite(hint) && hint > 0) return hint + Math.random() * Math.min(1_000, hint / 2);
  const ceiling = Math.min(5_000, 1_000 * 2 ** attempt);
  return ceiling / 4 + Math.random() * ceiling;
}

function open(reader: Reader, onFirst?: (ok: boolean) => void) {
  const command = config!;
  const index = command.indexBase + reader.index;
  const localAddress = command.sources > 1 ? `127.0.0.${1 + (index % command.sources)}` : undefined;
  const socket = new WebSocket(command.urls[index % command.urls.length]!, 'graphql-transport-ws', { perMessageDeflate: false, localAddress });
  reader.socket = socket;
  reader.subscribed = false;
  let settled = false;
  const settle = (ok: boolean) => {
    if (settled) return;
    settled = true;
    onFirst?.(ok);
  };
  let failure: string | null = null;
  socket.on('error', (error: Error & { code?: string }) => {
    failure ??= error.code ?? error.message;
  });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('message', (data: Buffer) => {
    const text = data.toString();
    if (!reader.subscribed) {
      if (text.includes('"connection_ack"')) {
        reader.subscribed = true;
        reader.attempt = 0;
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor sequence occurredAt kind } }', variables: { story: command.story, after: reader.cursor } },
          }),
        );
        if (reader.lostAt !== null) {
          // Back: caught up once it has what was committed before it left (see summary).
          reader.away.push([reader.lostAt, Date.now()]);
          reader.lostAt = null;
        }
        settle(true);
      }
      return;
    }
    if (text.includes('"type":"error"') || text.includes('"type":"complete"')) {
      // The subscription was refused or ended: come back and resume, as the page does.
      refusedSubscriptions++;
      socket.close(4000, 'resubscribe');
      return;
    }
    if (!text.includes('"next"')) return;
    const seq = Number(SEQUENCE.exec(text)?.[1] ?? Number.NaN);
    if (!Number.isFinite(seq)) return;
    const now = Date.now();
    const slot = seq - baseSeq;
    // At or before the cursor every reader started from: an event it already had (it follows from that cursor on).
    if (slot <= 0) reader.duplicates++;
    else if (slot < MAX_EVENTS) {
      if (Number.isNaN(committedAt[slot]!)) committedAt[slot] = Date.parse(OCCURRED.exec(text)?.[1] ?? '');
      if (!Number.isNaN(reader.receivedAt[slot]!)) reader.duplicates++;
      else reader.receivedAt[slot] = now;
    }
    if (seq <= reader.lastSeq) reader.outOfOrder += seq < reader.lastSeq ? 1 : 0;
    else reader.lastSeq = seq;
    const cursor = CURSOR.exec(text)?.[1];
    if (cursor) reader.cursor = cursor;
  });
  socket.on('close', (code: number, reason: Buffer) => {
    const wasSubscribed = reader.subscribed;
    reader.socket = null;
    reader.subscribed = false;
    if (code === 1013) turnedAway++;
    else if (!wasSubscribed) {
      failedAttempts++;
      const cause = failure ?? `close ${code}`;
      failedBy[cause] = (failedBy[cause] ?? 0) + 1;
    }
    settle(false);
    if (closing) return;
    if (wasSubscribed) {
      disconnects++;
      reader.lostAt = Date.now();
    }
    const wait = retryDelay(code, reason.toString(), reader.attempt);
    reader.attempt++;
    setTimeout(() => {
      if (!closing) open(reader);
    }, wait);
  });
}

async function connect(command: Extract<StormCommand, { cmd: 'connect' }>) {
  config = command;
  closing = false;
  const started = performance.now();
  readers = Array.from({ length: command.n }, (_, index) => ({
    index,
    socket: null,
    cursor: command.after,
    lastSeq: 0,
    attempt: 0,
    receivedAt: new Float64Array(MAX_EVENTS).fill(Number.NaN),
    duplicates: 0,
    outOfOrder: 0,
    lostAt: null,
    away: [],
    subscribed: false,
  }));
  let next = 0;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (next < command.n) {
      const reader = readers[next++]!;
      // The first attempt only: a refused one keeps retrying on its own.
      const admitted = await new Promise<boolean>((resolve) => open(reader, resolve));
      if (admitted) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  send({ type: 'connected', ok, failed, ms: performance.now() - started });
}

function summary(firstSeq: number, lastSeq: number) {
  let expected = 0;
  let received = 0;
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let stillAway = 0;
  let neverCaughtUp = 0;
  const caughtUp: number[] = [];
  // Sequences committed by a time: the greatest seq whose commit time is at or before it.
  const commits: [number, number][] = [];
  for (let seq = firstSeq; seq <= lastSeq; seq++) {
    const at = committedAt[seq - baseSeq];
    if (at !== undefined && !Number.isNaN(at)) commits.push([at, seq]);
  }
  commits.sort((a, b) => a[0] - b[0]);
  const committedBy = (time: number) => {
    let lo = 0;
    let hi = commits.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (commits[mid]![0] <= time) {
        found = commits[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  for (const reader of readers) {
    duplicates += reader.duplicates;
    outOfOrder += reader.outOfOrder;
    for (let seq = firstSeq; seq <= lastSeq; seq++) {
      expected++;
      if (Number.isNaN(reader.receivedAt[seq - baseSeq]!)) lost++;
      else received++;
    }
    if (reader.lostAt !== null) stillAway++;
    for (const [lostAt, backAt] of reader.away) {
      const owed = committedBy(lostAt);
      // Nothing owed yet: caught up once back. Else once it has the owed event (received before it left: once back).
      const gotIt = owed >= firstSeq ? reader.receivedAt[owed - baseSeq]! : backAt;
      if (Number.isNaN(gotIt)) neverCaughtUp++;
      else caughtUp.push(Math.max(backAt, gotIt) - lostAt);
    }
  }
  send({
    type: 'summary',
    caughtUpMs: caughtUp,
    summary: {
      readers: readers.length,
      expected,
      received,
      lost,
      duplicates,
      outOfOrder,
      disconnects,
      turnedAway,
      failedAttempts,
      failedBy,
      refusedSubscriptions,
      stillAway,
      neverCaughtUp,
    },
  });
}

function close() {
  closing = true;
  for (const reader of readers) reader.socket?.terminate();
  send({ type: 'closed' });
}

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as StormCommand;
  queue = queue.then(async () => {
    if (command.cmd === 'connect') {
      baseSeq = Number(Buffer.from(command.after, 'base64url').toString().split(':')[1] ?? 0);
      await connect(command);
    } else if (command.cmd === 'status') {
      send({ type: 'status', open: readers.filter((r) => r.socket).length, subscribed: readers.filter((r) => r.subscribed).length, disconnects, turnedAway });
    } else if (command.cmd === 'summary') summary(command.firstSeq, command.lastSeq);
    else close();
  });
});
process.stdin.on('end', () => process.exit(0));
