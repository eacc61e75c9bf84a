/**
 * graphql-sse's single-connection mode at /graphql, through Yoga's
 * graphql-sse plugin (@graphql-yoga/plugin-graphql-sse): a client reserves a
 * stream with PUT (the answer is its token), opens it with a GET carrying
 * the token (`X-GraphQL-Event-Stream-Token`, or `?token=` for an
 * EventSource), and sends operations with POST (or GET) carrying the token;
 * their results flow down the one stream, and DELETE `?operationId=` stops one.
 *
 * Only those requests reach the plugin: everything else at /graphql — the
 * distinct-connections mode (one stream per operation: `Accept:
 * text/event-stream`, Yoga's own SSE) included — is answered as before.
 *
 * Operations run through Yoga's envelop (the plugin calls getEnveloped), so
 * a single-connection subscription meets the same limits and metering as
 * any other: depth, aliases, cost, rate limits, replay metering, and the SSE
 * subscriptions per address of src/plugins/sse-limits.ts. Around the plugin:
 *
 * - tokens are random UUIDs from the crypto source (the library's default
 *   uses Math.random, and a guessed token would let one read another's stream);
 * - streams, reserved or open, count against MAX_CONNECTIONS_PER_ADDRESS
 *   like WebSockets (429 past it), and a reservation not opened within
 *   RESERVATION_TTL_MS is dropped, so reservations cannot pile up;
 * - what Yoga's own request path does before an operation runs (the input
 *   guard on variables; a syntax error, or a document over MAX_TOKENS, or
 *   one that fails validation, as an error result) is done here too: each
 *   refusal is the operation's result on the stream, with its code
 *   (guardedYoga), and errors lose their HTTP hints;
 * - close() ends every open stream on shutdown, as live.stop() ends the
 *   distinct-connections streams.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import { type DocumentNode, type ExecutionArgs, GraphQLError, type GraphQLSchema, parse } from 'graphql';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import type { Limits } from '../config.js';
import { guardRequest } from '../input-guard.js';
import type { Logger } from '../logger.js';
import { clientAddress } from './http.js';
import { stripInternals, withoutInternals } from './error-hints.js';

const TOKEN_HEADER = 'x-graphql-event-stream-token';
const TOKEN_QUERY = 'token';
/** How long a reserved stream waits for its GET before it is dropped (graphql-sse's client opens it at once). */
export const RESERVATION_TTL_MS = 30_000;

export interface SingleConnectionStreams {
  /** The Yoga plugin; goes before the plugins that read `params` (the plugin answers without them). */
  plugin: Plugin;
  /** Streams reserved or open now, all addresses together (tests, logs). */
  readonly count: number;
  /** Ends every stream (on shutdown): each client sees its stream end and reconnects elsewhere. */
  close(): void;
}

interface Stream {
  address: string;
  /** Until its GET arrives: the timer that drops the reservation. */
  expiry: NodeJS.Timeout | null;
  /** Once open: ends the response. */
  end: (() => void) | null;
}

type Yoga = YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
type YogaInit = Parameters<NonNullable<Plugin['onYogaInit']>>[0];
type YogaLike = YogaInit['yoga'];
type OnRequest = NonNullable<Plugin['onRequest']>;
type RequestPayload = Parameters<OnRequest>[0];

function tokenOf(request: Request): string | null {
  return request.headers.get(TOKEN_HEADER) ?? new URL(request.url).searchParams.get(TOKEN_QUERY);
}

/** Whether a request at /graphql belongs to the single-connection mode; the rest stays Yoga's. */
function isSingleConnection(request: Request): boolean {
  if (new URL(request.url).pathname !== '/graphql') return false;
  return request.method === 'PUT' || request.method === 'DELETE' || tokenOf(request) !== null;
}

const withCode = (error: GraphQLError, code: string) =>
  error.extensions?.code ? error : new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });

const wantsStream = (request: Request) => (request.headers.get('accept') ?? '').includes('text/event-stream');

/** Errors as Yoga writes them: message, locations and extensions, without the HTTP hints (`http`) meant for the server. */
function errorBody(...errors: readonly GraphQLError[]): string {
  return JSON.stringify({
    errors: errors.map((error) => {
      const { http: _http, ...extensions } = error.extensions ?? {};
      return { message: error.message, ...(error.locations ? { locations: error.locations } : {}), extensions };
    }),
  });
}

function refusal(fetchAPI: RequestPayload['fetchAPI'], status: number, error: GraphQLError | readonly GraphQLError[], headers: Record<string, string> = {}): Response {
  return new fetchAPI.Response(errorBody(...(Array.isArray(error) ? error : [error as GraphQLError])), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

const PLACEHOLDER = parse('{ __typename }');

/**
 * Yoga, as the graphql-sse plugin sees it. The plugin runs each operation
 * through getEnveloped (parse, validate, context, execute or subscribe), and
 * leaves out what Yoga's request path does first: the input guard on
 * variables, and errors as results. A document that does not parse (or is
 * over MAX_TOKENS) would throw out of the request, and validation errors are
 * handed to graphql-sse without `data`, which it does not recognise as a
 * result (the client saw a bare 400). Here every such refusal becomes the
 * operation's result, `{ errors, data: null }`, which graphql-sse sends down
 * the stream like any other: the client's sink receives it, with its code.
 */
function guardedYoga(yoga: YogaLike): YogaLike {
  return new Proxy(yoga, {
    get(target, key, receiver) {
      if (key !== 'getEnveloped') return Reflect.get(target, key, receiver) as unknown;
      return (initial: { params?: { query?: unknown; variables?: unknown } }) => {
        const enveloped = target.getEnveloped(initial);
        let refused: readonly GraphQLError[] | null = null;
        const guarded = guardRequest(initial.params?.query, initial.params?.variables);
        if (guarded) refused = [stripInternals(guarded)];
        const refusedResult = () => ({ errors: refused!, data: null });
        return {
          ...enveloped,
          parse: (source: string) => {
            if (refused) return PLACEHOLDER;
            try {
              return enveloped.parse(source);
            } catch (error) {
              if (!(error instanceof GraphQLError)) throw error;
              refused = [stripInternals(withCode(error, 'GRAPHQL_PARSE_FAILED'))];
              return PLACEHOLDER;
            }
          },
          validate: (schema: GraphQLSchema, document: DocumentNode) => {
            if (refused) return [];
            const errors: readonly GraphQLError[] = enveloped.validate(schema, document);
            if (errors.length) refused = errors.map((e: GraphQLError) => stripInternals(withCode(e, 'GRAPHQL_VALIDATION_FAILED')));
            return [];
          },
          execute: (args: ExecutionArgs) => (refused ? refusedResult() : enveloped.execute(args)),
          subscribe: (args: ExecutionArgs) => (refused ? refusedResult() : enveloped.subscribe(args)),
        };
      };
    },
  });
}

export function singleConnectionStreams({ limits, log }: { limits: Pick<Limits, 'maxConnectionsPerAddress' | 'trustProxy'>; log: Logger }): SingleConnectionStreams {
  const streams = new Map<string, Stream>();
  const perAddress = new Map<string, number>();
  const addresses = new WeakMap<Request, string>();
  let yoga: Yoga | null = null;

  const release = (token: string) => {
    const stream = streams.get(token);
    if (!stream) return;
    streams.delete(token);
    if (stream.expiry) clearTimeout(stream.expiry);
    const left = (perAddress.get(stream.address) ?? 1) - 1;
    if (left <= 0) perAddress.delete(stream.address);
    else perAddress.set(stream.address, left);
  };

  const inner = useGraphQLSSE({
    endpoint: '/graphql',
    // Yoga strips the HTTP hints of errors (`extensions.http`) from what it writes; graphql-sse writes results as they are.
    onNext: (_ctx, _req, result) => withoutInternals(result),
    authenticate(req) {
      if (req.method !== 'PUT') return tokenOf(req.raw) ?? undefined;
      const address = addresses.get(req.raw) ?? 'unknown';
      const open = perAddress.get(address) ?? 0;
      if (open >= limits.maxConnectionsPerAddress) {
        const error = new GraphQLError(`At most ${limits.maxConnectionsPerAddress} live streams per client address.`, { extensions: { code: 'RATE_LIMITED' } });
        return [errorBody(error), { status: 429, statusText: 'Too Many Requests', headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '30' } }];
      }
      const token = randomUUID();
      perAddress.set(address, open + 1);
      const expiry = setTimeout(() => void dropReservation(token), RESERVATION_TTL_MS);
      expiry.unref();
      streams.set(token, { address, expiry, end: null });
      return token;
    },
  });
  const innerOnRequest = inner.onRequest as OnRequest;

  /** A reservation never opened: graphql-sse keeps it until its stream ends, so open it here and end it at once. */
  async function dropReservation(token: string) {
    const stream = streams.get(token);
    if (!stream || stream.end) return;
    release(token);
    if (!yoga) return;
    try {
      const response = await yoga.fetch('http://localhost/graphql', { method: 'GET', headers: { accept: 'text/event-stream', [TOKEN_HEADER]: token } });
      await response.body?.cancel();
    } catch (error) {
      log.warn({ err: error }, 'could not drop an unopened graphql-sse reservation');
    }
  }

  /** The open stream's response, wrapped so that its end (by the client, the server or close()) is known. */
  function track(token: string, response: Response, fetchAPI: RequestPayload['fetchAPI']): Response {
    const stream = streams.get(token);
    const source = response.body;
    if (!stream || !source || response.status !== 200) return response;
    if (stream.expiry) clearTimeout(stream.expiry);
    stream.expiry = null;
    const reader = source.getReader();
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      release(token);
      try {
        controller?.close();
      } catch {
        // already closed by the client
      }
      reader.cancel().catch(() => undefined);
    };
    stream.end = end;
    const body = new fetchAPI.ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      async pull(c) {
        const { done, value } = await reader.read();
        if (ended) return;
        if (done) end();
        else c.enqueue(value);
      },
      cancel() {
        end();
      },
    });
    return new fetchAPI.Response(body, { status: response.status, headers: response.headers });
  }

  /** A stream GET with a token nobody reserved: graphql-sse would run it as an operation of its own distinct-connections mode, which is Yoga's. */
  function unknownStream(request: Request, fetchAPI: RequestPayload['fetchAPI']): Response | null {
    if (request.method !== 'GET' || !wantsStream(request) || streams.has(tokenOf(request) ?? '')) return null;
    return refusal(fetchAPI, 404, new GraphQLError('No stream with that token: reserve one with PUT first.', { extensions: { code: 'NOT_FOUND' } }));
  }

  const plugin: Plugin = {
    onYogaInit(payload: YogaInit) {
      yoga = payload.yoga as unknown as Yoga;
      inner.onYogaInit?.({ ...payload, yoga: guardedYoga(payload.yoga) });
    },
    onRequest(payload) {
      const { request, serverContext, endResponse, fetchAPI } = payload;
      if (!isSingleConnection(request)) return undefined;
      const req = (serverContext as { req?: IncomingMessage }).req;
      addresses.set(request, req ? clientAddress(req, limits.trustProxy) : 'unknown');
      const token = tokenOf(request);
      const opening = request.method === 'GET' && wantsStream(request) && token !== null;
      const refused = unknownStream(request, fetchAPI);
      if (refused) return endResponse(refused);
      return innerOnRequest({ ...payload, endResponse: (response) => endResponse(opening ? track(token, response, fetchAPI) : response) });
    },
  };

  return {
    plugin,
    get count() {
      return streams.size;
    },
    close() {
      for (const [token, stream] of [...streams]) {
        if (stream.end) stream.end();
        else void dropReservation(token);
      }
    },
  };
}
