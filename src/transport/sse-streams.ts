/**
 * Yoga's distinct-connections SSE streams (`Accept: text/event-stream` at
 * /graphql, one stream per operation, no token) of live subscriptions,
 * written from the bus as WebSocket subscriptions are.
 *
 * Left to Yoga, such a stream is a fetch-API Response whose ReadableStream
 * pulls the subscription's iterator, with a ping timer of its own, piped
 * into Node's response by the server adapter: some 30 KB of the API's heap
 * per idle reader, and a chain of promises per reader per event. Here the
 * request still goes through Yoga like any other (parameters, trusted
 * documents, CORS, every plugin and limit, the answer's headers), with an
 * outlet in its context. When the subscription's stream takes the outlet
 * (src/plugins/shared-event-execution.ts), Yoga's answer is a head without
 * a body, and this module writes the stream itself to Node's response:
 * Yoga's head, then each event as one frame built once for every SSE reader
 * of the same result, written straight from the bus's dispatch. One timer
 * pings every stream. The stream ends as Yoga's does: an error as a `next`
 * event, then `complete`, or cut off when the reader goes or stops reading.
 * Every other answer (queries, refusals, streams the bus does not push) is
 * Yoga's, sent as its adapter sends it.
 *
 * Once the head is written, the stream lets go of envelop's and Yoga's
 * iterators around the subscription (a third of an idle reader's heap: their
 * closures, the plugins' hooks and what those hold). Nothing would pass
 * through them: the results are pushed, and the subscription's own
 * iterator (the SharedStream) settles its one next() when it ends. So the
 * end is told here instead: the plugins that count streams and free their
 * slots (request metrics, the SSE limits) ask `whenEnded`, and a failed
 * stream's error is masked as the plugins' onSubscribeError hooks mask it
 * (`streamErrorFor`).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import type { ExecutionResult } from 'graphql';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';
import type { LiveConnection, LiveOutlet } from '../context.js';
import type { Logger } from '../logger.js';
import type { CounterCell } from '../observability/metric-families.js';
import type { EndReason } from '../observability/metrics.js';
import { streamErrorFor } from '../plugins/operation-plugins.js';
import { endReasonOf } from '../plugins/request-metrics.js';
import { withoutInternals } from './error-hints.js';
import { spreadSweep } from './spread-sweep.js';
import { textInterner } from './text-interner.js';

/** As Yoga's: a comment line, often enough for proxies that drop connections idle for 30 s or more. */
export const SSE_PING_MS = 12_000;
const PING = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
/** Yoga's head for an SSE answer (its plugins add theirs: CORS, the request id…). */
const HEAD = { 'content-type': 'text/event-stream', connection: 'keep-alive', 'cache-control': 'no-cache', 'content-encoding': 'none' };

/** Whether a request at /graphql asks for a distinct-connections stream (graphql-sse's single-connection mode carries a token). */
export function wantsDistinctStream(request: Request): boolean {
  if (!(request.headers.get('accept') ?? '').includes('text/event-stream')) return false;
  return !request.headers.has('x-graphql-event-stream-token') && !new URL(request.url).searchParams.has('token');
}

type WithStringify = ExecutionResult & { stringify?: (value: unknown) => string };
const frames = new WeakMap<ExecutionResult, Buffer>();
/** Frames built (tests count them: one per result, whatever the readers). */
export const sseFrameStats = { frames: 0 };

/**
 * `event: next` with the result's JSON, as Yoga writes it (without the
 * errors' internals, through the result's own stringify when it has one):
 * a shared result's frame is built once for all its readers.
 */
function frameOf(result: ExecutionResult): Buffer {
  let frame = frames.get(result);
  if (!frame) {
    const written = withoutInternals(result);
    const json = (result as WithStringify).stringify?.(written) ?? JSON.stringify(written);
    frame = Buffer.from(`event: next\ndata: ${json}\n\n`);
    sseFrameStats.frames++;
    frames.set(result, frame);
  }
  return frame;
}

/** Yoga's request handling keeps the parameters (in a closure of its own) as long as the stream lives: their query text is shared. */
const intern = textInterner();

/** What Yoga puts in an HTTP operation's context, and what the stream reads of ours once it is built (to mask a failed stream's error). */
export interface RequestContext {
  request?: Request | undefined;
  params?: unknown;
  log?: Logger;
  requestId?: string;
}

interface Owner {
  readonly maxBufferBytes: number;
  readonly delivered: CounterCell | null;
  readonly log: Logger;
  /** The most bytes a stream held in Node's buffer right after a write (the slow-consumer bound, for tests). */
  mostBufferedBytes: number;
}

/** One reader's stream: its connection (in the operation's context) and its outlet. */
class SseStream implements LiveConnection, LiveOutlet {
  endReason: EndReason | null = null;
  /** The subscription's own iterator, once it took the outlet (src/plugins/shared-event-execution.ts). */
  subscription: AsyncIterator<ExecutionResult> | null = null;
  /** Once the stream has ended and told its listeners. */
  finished = false;
  /** What wants to know when it ends (whenEnded): one listener, or several. */
  private listeners: ((reason: EndReason) => void)[] | null = null;

  constructor(
    readonly res: ServerResponse,
    private readonly owner: Owner,
    /** The operation's context, which lives as long as the stream: it lets go of Yoga's request once the stream is open. */
    readonly context: RequestContext,
  ) {}

  get kind(): 'sse' {
    return 'sse';
  }

  get outlet(): LiveOutlet {
    return this;
  }

  get taken(): boolean {
    return this.subscription !== null;
  }

  attached(stream: AsyncIterator<ExecutionResult>): void {
    this.subscription = stream;
  }

  whenEnded(listener: (reason: EndReason) => void): boolean {
    if (!this.taken || this.finished) return false;
    (this.listeners ??= []).push(listener);
    return true;
  }

  /** Ends it once: the subscription leaves the bus (a no-op when it ended first), the listeners hear why. */
  end(reason: EndReason): void {
    if (this.finished) return;
    this.finished = true;
    void this.subscription?.return?.();
    const listeners = this.listeners;
    this.listeners = null;
    for (const listener of listeners ?? []) {
      // Each on its own: one that throws must not keep the next from freeing its slot.
      try {
        listener(this.endReason ?? reason);
      } catch (error) {
        this.owner.log.error({ err: error, requestId: this.context.requestId }, 'an SSE stream\'s end listener failed');
      }
    }
  }

  write(result: ExecutionResult, flushed?: () => void): boolean {
    const { res } = this;
    if (res.destroyed || res.writableEnded || res.socket?.destroyed) {
      // Its socket is gone, maybe before the response heard of it (its close comes after).
      if (!res.writableEnded) this.endReason ??= 'client_gone';
      flushed?.();
      return false;
    }
    // The reader is not reading: stop buffering for it. It resumes from its cursor when it comes back.
    if (res.writableLength > this.owner.maxBufferBytes) {
      this.close();
      flushed?.();
      return false;
    }
    if (this.owner.delivered) this.owner.delivered.value += 1;
    if (flushed) res.write(frameOf(result), () => flushed());
    else res.write(frameOf(result));
    if (res.writableLength > this.owner.mostBufferedBytes) this.owner.mostBufferedBytes = res.writableLength;
    return true;
  }

  /** Cuts off a slow consumer: a reader whose buffer is full would never take a last event. */
  close(): void {
    this.endReason ??= 'slow_consumer';
    this.res.destroy();
  }

  /**
   * Once the head is written nothing reads the fetch-API request or the
   * parameters again (the end's reason is known here); the context keeps
   * them as long as the stream lives, so it drops them: their URL, headers
   * and query text are a kilobyte or two per reader. Yoga keeps the
   * parameters too: their query becomes the text every reader shares.
   */
  opened(): void {
    const { context, res } = this;
    // Node's request keeps its URL as long as the stream lives: the query in it is the same text for every ticker.
    if (res.req?.url !== undefined) res.req.url = intern(res.req.url);
    const params = context.params as { query?: unknown } | undefined;
    if (typeof params?.query === 'string') params.query = intern(params.query);
    context.request = undefined;
    context.params = undefined;
  }

  ping(): void {
    const { res } = this;
    if (!res.destroyed && res.writableLength === 0) res.write(PING);
  }
}

const pingStream = (stream: SseStream) => stream.ping();

function headOf(response: Response): OutgoingHttpHeaders {
  const head: OutgoingHttpHeaders = {};
  response.headers.forEach((value, name) => (head[name] = value));
  return head;
}

export class SseStreams implements Owner {
  /** Streams open now, for the pings. */
  private readonly open = new Set<SseStream>();
  /** Until it is answered: the stream of each request that asked for one, by its response. */
  private readonly pending = new WeakMap<ServerResponse, SseStream>();
  /** Yoga's bodyless answers for streams written here: a plugin could still replace the answer, and the stream is then let go. */
  private readonly heads = new WeakSet<Response>();
  private readonly pings: NodeJS.Timeout;
  readonly plugin: Plugin;
  mostBufferedBytes = 0;

  constructor(
    readonly maxBufferBytes: number,
    readonly delivered: CounterCell | null,
    readonly log: Logger,
  ) {
    this.pings = setInterval(() => spreadSweep(this.open, pingStream), SSE_PING_MS);
    this.pings.unref();
    this.plugin = {
      // After Yoga's own processors: a stream that took its outlet gets a head without a body.
      onResultProcess: ({ result, setResultProcessor, serverContext }) => {
        const { res } = serverContext as { res?: ServerResponse };
        const stream = res ? this.pending.get(res) : undefined;
        if (!stream?.taken || !isAsyncIterable(result)) return;
        // Envelop's and Yoga's iterable around the subscription is dropped: the stream is written and ended from here.
        setResultProcessor((_iterable, fetchAPI) => {
          const response = new fetchAPI.Response(null, { status: 200, headers: HEAD });
          this.heads.add(response);
          return response;
        }, 'text/event-stream');
      },
    };
  }

  /**
   * Streams written from here, open now, and the bytes waiting in their sockets; and the most one stream held
   * right after a write, ever (a reader cut off within the same dispatch as the write that filled its buffer
   * is gone before anyone can look).
   */
  stats(): { streams: number; bufferedBytes: number; mostBufferedBytes: number } {
    let bufferedBytes = 0;
    for (const stream of this.open) bufferedBytes += stream.res.writableLength;
    return { streams: this.open.size, bufferedBytes, mostBufferedBytes: this.mostBufferedBytes };
  }

  /** The connection for the context (being built) of a request that wants a stream (wantsDistinctStream). */
  connectionFor(res: ServerResponse, context: RequestContext): LiveConnection {
    const stream = new SseStream(res, this, context);
    this.pending.set(res, stream);
    return stream;
  }

  /** Answers a stream request through Yoga (`handle`): a stream that took its outlet is written from here, any other answer as Yoga's adapter sends it. */
  async serve(req: IncomingMessage, res: ServerResponse, handle: () => Response | Promise<Response>): Promise<void> {
    let response: Response;
    try {
      response = await handle();
    } catch (error) {
      this.letGo(this.answered(res));
      this.log.error({ err: error, requestId: req.headers['x-request-id'] }, 'could not answer a stream request');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      return;
    }
    const stream = this.answered(res);
    if (!stream?.taken || !this.heads.has(response)) {
      this.letGo(stream);
      try {
        await sendNodeResponse(response, res, req, true);
      } catch (error) {
        this.log.warn({ err: error, requestId: req.headers['x-request-id'] }, 'could not send an answer');
        res.destroy();
      }
      return;
    }
    this.start(stream, response);
  }

  /** The request's stream, if it asked for one: it is answered now. */
  private answered(res: ServerResponse): SseStream | undefined {
    const stream = this.pending.get(res);
    this.pending.delete(res);
    return stream;
  }

  /** A subscription that took its outlet but whose answer is not the head written here: it ends (leaves the bus, frees its slot). */
  private letGo(stream: SseStream | undefined) {
    stream?.end(stream.res.destroyed ? 'client_gone' : 'complete');
  }

  private start(stream: SseStream, response: Response) {
    const { res } = stream;
    if (res.destroyed) {
      stream.end('client_gone');
      return;
    }
    res.writeHead(response.status, headOf(response));
    // Always a first ping: some browsers do not report a stream open before its first bytes.
    res.write(PING);
    stream.opened();
    this.open.add(stream);
    this.watchClose(stream);
    // Its one next() settles when the stream ends: done, or rejected with the stream's error.
    stream.subscription!.next()
      .then(
        () => this.completed(stream),
        (error: unknown) => this.failed(stream, error),
      )
      .catch((error: unknown) => {
        this.log.error({ err: error, requestId: res.getHeader('x-request-id') }, 'could not end an SSE stream');
        res.destroy();
      });
  }

  /** Apart, so that the listener (which lives as long as the stream) keeps only what it needs: not Yoga's response or head. */
  private watchClose(stream: SseStream) {
    stream.res.on('close', () => {
      this.open.delete(stream);
      stream.end('client_gone');
    });
  }

  private completed(stream: SseStream) {
    const { res } = stream;
    if (!res.destroyed && !res.writableEnded) res.end(COMPLETE);
    stream.end('complete');
  }

  /** As Yoga ends a stream that fails: the error (masked as the plugins mask it) as a result, then `complete`. */
  private failed(stream: SseStream, error: unknown) {
    const { res, context } = stream;
    try {
      const shown = streamErrorFor({ log: context.log ?? this.log, requestId: context.requestId ?? String(res.getHeader('x-request-id')) }, error);
      if (!res.destroyed && !res.writableEnded) res.end(Buffer.concat([frameOf({ errors: [shown] }), COMPLETE]));
    } catch (failure) {
      this.log.warn({ err: failure, requestId: res.getHeader('x-request-id') }, 'an SSE stream failed');
      res.destroy();
    }
    stream.end(endReasonOf(error));
  }

  close(): void {
    clearInterval(this.pings);
  }
}
