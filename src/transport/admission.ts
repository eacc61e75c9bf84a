/**
 * Admission control for live connections: an instance accepts new
 * WebSockets and SSE streams at a bounded rate (LIVE_ADMISSION_RATE a
 * second, bursts of LIVE_ADMISSION_BURST), and refuses the excess with a
 * retryable answer carrying a hint of when to come back, rather than take
 * every reader of a dead instance at once.
 *
 * Why: when an instance dies (or a deploy restarts one), every reader it
 * held reconnects to the others within a second. Each new subscription
 * costs far more than a delivered event (a context, the story's lookup, a
 * replay from the cursor): taken all at once, tens of thousands of them
 * stall the event loop, which delays the live events of every reader
 * already there, pings go unanswered, and the storm feeds itself. Refused
 * readers come back when told, spread out: the hint is the time the
 * instance needs to admit everyone refused before them, jittered so that
 * they do not return together.
 *
 * - graphql-ws: the upgrade completes, then the socket is closed with 1013
 *   (Try Again Later) and the reason `Try again later: retry in <ms> ms`;
 * - SSE (Yoga's streams and graphql-sse's reservations): 503 with
 *   `Retry-After` (seconds) and the same hint in the error's extensions.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Close code for a refused WebSocket: 1013 Try Again Later (RFC 6455 registry). */
export const TRY_AGAIN_LATER = 1013;

/** The hint in a refused WebSocket's close reason, as clients parse it. */
export const RETRY_HINT = /retry in (\d+) ms/;

/** Shortest and longest hint: a hint under half a second only brings the storm back sooner. */
const MIN_HINT_MS = 500;
const MAX_HINT_MS = 30_000;

export class Admission {
  private tokens: number;
  private last: number;
  /** Refused and not yet due back: drains at the admission rate, like the queue it stands for. */
  private debt = 0;
  admitted = 0;
  refused = 0;

  constructor(
    /** Connections a second; 0 admits everything. */
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Null when admitted; else how many milliseconds the client should wait before it tries again. */
  admit(): number | null {
    if (this.rate <= 0) {
      this.admitted++;
      return null;
    }
    const now = this.now();
    const refill = ((now - this.last) / 1000) * this.rate;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + refill);
    this.debt = Math.max(0, this.debt - refill);
    if (this.tokens >= 1 && this.debt === 0) {
      this.tokens -= 1;
      this.admitted++;
      return null;
    }
    if (this.tokens >= 1 && this.debt < this.tokens) {
      // Capacity beyond what the refused ones were promised: take it.
      this.tokens -= 1;
      this.admitted++;
      return null;
    }
    this.refused++;
    this.debt += 1;
    // Everyone refused before it comes back first; spread over half to one and a half times that.
    const due = (this.debt / this.rate) * 1000;
    return Math.round(Math.min(MAX_HINT_MS, Math.max(MIN_HINT_MS, due * (0.5 + this.random()))));
  }
}

/** The close reason of a refused WebSocket. */
export function retryReason(ms: number): string {
  return `Try again later: retry in ${ms} ms`;
}

/**
 * Whether an HTTP request opens a live stream: an SSE subscription of
 * Yoga's distinct-connections mode (`Accept: text/event-stream`), or a
 * graphql-sse single-connection reservation (PUT). Opening a reserved
 * stream (its GET with the token) and the operations sent on it are not
 * new connections: the reservation was admitted.
 */
export function opensLiveStream(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  if (!(url === '/graphql' || url.startsWith('/graphql?'))) return false;
  if (req.method === 'PUT') return true;
  if (req.headers['x-graphql-event-stream-token'] || /[?&]token=/.test(url)) return false;
  return (req.headers.accept ?? '').includes('text/event-stream');
}

/** 503 with Retry-After (whole seconds) and the hint in milliseconds, as a GraphQL error a client can read. */
export function refuseLiveStream(res: ServerResponse, retryMs: number): void {
  const body = JSON.stringify({
    errors: [
      {
        message: `This instance is taking new live connections slowly: retry in ${retryMs} ms.`,
        extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterMs: retryMs },
      },
    ],
  });
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': String(Math.max(1, Math.ceil(retryMs / 1000))) });
  res.end(body);
}
