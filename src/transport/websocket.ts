/**
 * graphql-ws on the HTTP server's /graphql path, through Yoga's envelop so
 * that authentication, limits, error masking and logs are the same as over
 * HTTP. Also the protections a public WebSocket endpoint needs:
 *
 * - authentication once, in connection_init (`{ authorization: "Bearer …" }`);
 *   an invalid token, or one expiring on an open connection, closes with 4403;
 * - at most N connections per client address (the upgrade is refused with 429)
 *   and M subscriptions per connection;
 * - frames larger than WS_MAX_PAYLOAD_BYTES close the socket (1009);
 * - dead peers are found with pings from one shared timer, not one per socket;
 * - a client that stops reading is cut off with 4008 once its socket buffer
 *   (or its queue of undelivered events) passes the limit, so it costs the
 *   server bounded memory and resumes from its cursor when it comes back.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionArgs, type ExecutionResult, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { type YogaServerInstance, isAsyncIterable } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { bearerToken, verifyToken } from '../auth/tokens.js';
import type { Limits } from '../config.js';
import type { Context, LiveConnection, LiveOutlet } from '../context.js';
import { CLOSE_CODES, clientError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EndReason, Metrics } from '../observability/metrics.js';
import { countQueryLimits, endReasonOf } from '../plugins/request-metrics.js';
import { requestIdFrom } from '../request-id.js';
import { type Viewer, anonymousReader } from '../viewer.js';
import { guardRequest } from '../input-guard.js';
import { stripInternals } from './error-hints.js';
import { clientAddress } from './http.js';
import { serveGraphqlWs } from './graphql-ws-server.js';
import { SharedBytesSocket, nextMessage, sharedNext } from './shared-bytes.js';
import { type Admission, retryReason } from './admission.js';
import { spreadSweep } from './spread-sweep.js';

/** Shared messages are Buffers, which ws sends as binary frames unless told otherwise; graphql-ws clients expect text. */
const AS_TEXT = Object.freeze({ binary: false });

/** Errors as a WebSocket client receives them: with their code, without the HTTP hints Yoga's plugins attach for HTTP answers. */
const socketErrors = (errors: readonly GraphQLError[]): GraphQLError[] => errors.map(stripInternals);

/** What a WebSocket operation hands the Yoga context factory. */
export interface SocketContext {
  viewer: Viewer;
  requestId: string;
  /** The request id of the WebSocket's upgrade request: every line about the socket or its operations carries it. */
  connectionId: string;
  clientAddress: string;
  connection: NonNullable<Context['connection']>;
}

interface SocketOwner {
  closeSocket(socket: WebSocket, code: number, reason: string): void;
  cutOffIfNotReading(socket: WebSocket): boolean;
  delivered: { value: number } | null;
}

/**
 * A subscription's connection (its socket) and its outlet: where its live
 * results are written, straight from the bus
 * (src/plugins/shared-event-execution.ts), as graphql-ws' `next` message in
 * shared bytes, after the same slow-consumer check as onNext. One object, its
 * methods on the prototype: a reader keeps it for hours.
 */
class SocketSubscription implements LiveConnection, LiveOutlet {
  constructor(
    private readonly socket: WebSocket,
    private readonly id: string,
    private readonly owner: SocketOwner,
  ) {}

  get kind(): 'graphql-ws' {
    return 'graphql-ws';
  }

  get outlet(): LiveOutlet {
    return this;
  }

  close(code: number, reason: string): void {
    this.owner.closeSocket(this.socket, code, reason);
  }

  /** False when the socket is gone or was just cut off: the stream ends. */
  write(result: ExecutionResult, flushed?: () => void): boolean {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN || this.owner.cutOffIfNotReading(socket)) {
      flushed?.();
      return false;
    }
    if (this.owner.delivered) this.owner.delivered.value += 1;
    if (flushed) socket.send(nextMessage(result, this.id), AS_TEXT, () => flushed());
    else socket.send(nextMessage(result, this.id), AS_TEXT);
    return true;
  }
}

type Extra = {
  viewer?: Viewer;
  expiry?: NodeJS.Timeout;
  /** Subscriptions started on this socket: each ends once, with a reason (logged, and counted in the metrics). */
  subscriptions?: Map<string, { end: ((reason: EndReason) => void) | null; reason: EndReason | null; log: Logger }>;
};

/**
 * Why a socket's subscriptions ended, from how it closed: the codes the
 * server chose (shutdown, a slow consumer, an expired token, a protocol
 * error), or the client closing or vanishing.
 */
function endReasonOfClose(closedBy: { code: number; byServer: boolean }): EndReason {
  if (!closedBy.byServer) return 'client_gone';
  if (closedBy.code === CLOSE_CODES.goingAway) return 'shutdown';
  if (closedBy.code === CLOSE_CODES.slowConsumer) return 'slow_consumer';
  if (closedBy.code === CloseCode.Forbidden) return 'token_expired';
  return 'error';
}

export interface WebSockets {
  /** Closes every socket with 1001 (going away) and stops accepting. */
  close(): Promise<void>;
  stats(): { connections: number; bufferedBytes: number };
}

export function attachWebSockets(
  server: Server,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yoga's server context type is the app's business
  yoga: YogaServerInstance<any, Context>,
  options: {
    limits: Limits;
    jwtSecret: string;
    log: Logger;
    metrics?: Metrics | null;
    /** With TRUSTED_DOCUMENTS_ONLY: whether an anonymous socket may run this text (a trusted document's). */
    anonymousMayRun?: (query: string) => boolean;
    /** New connections at a bounded rate (LIVE_ADMISSION_RATE): the excess is closed with 1013 and a retry hint. */
    admission?: Admission | null;
  },
): WebSockets {
  const { limits, jwtSecret, log } = options;
  const metrics = options.metrics ?? null;
  const perAddress = new Map<string, number>();
  const alive = new WeakMap<WebSocket, boolean>();
  /** How each socket closed, as soon as anyone closes it: the code the server sent, or that the client went. */
  const closedBy = new WeakMap<WebSocket, { code: number; byServer: boolean }>();
  /** Upgrades over the admission rate, with the hint their close gives. */
  const turnedAway = new WeakMap<IncomingMessage, number>();

  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: limits.wsMaxPayloadBytes,
    // Sends an event's shared bytes (src/transport/shared-bytes.ts).
    WebSocket: SharedBytesSocket,
    verifyClient: (info, accept) => {
      // The upgrade is a request like any other: it gets an id (the client's, if sane), answered in
      // x-request-id and carried by every log line about the socket.
      const requestId = requestIdFrom(info.req.headers['x-request-id']);
      info.req.headers['x-request-id'] = requestId;
      const address = clientAddress(info.req, limits.trustProxy);
      if ((perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
        metrics?.refused.websocketsPerAddress.inc();
        log.warn({ requestId, address }, 'refused a WebSocket: too many connections from this address');
        return accept(false, 429, 'Too many connections from your address', { 'x-request-id': requestId });
      }
      // Upgraded anyway, then closed with 1013: a browser cannot read an upgrade's refusal, but it reads a close reason.
      const retryMs = options.admission?.admit() ?? null;
      if (retryMs !== null) turnedAway.set(info.req, retryMs);
      accept(true);
    },
  });
  wsServer.on('headers', (headers, req) => headers.push(`x-request-id: ${String(req.headers['x-request-id'])}`));
  const unwatch = metrics?.onScrape(() => metrics.websocketConnections.set(wsServer.clients.size));

  // Listeners shared by every socket (it is `this`), rather than closures made for each.
  const addresses = new WeakMap<WebSocket, string>();
  function ponged(this: WebSocket) {
    alive.set(this, true);
  }
  function failed(error: Error & { code?: string }) {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') metrics?.refused.websocketFrameBytes.inc();
  }
  function closed(this: WebSocket, code: number) {
    if (!closedBy.has(this)) closedBy.set(this, { code, byServer: false });
    const address = addresses.get(this)!;
    const left = (perAddress.get(address) ?? 1) - 1;
    if (left <= 0) perAddress.delete(address);
    else perAddress.set(address, left);
  }
  wsServer.on('connection', (socket, req) => {
    const retryMs = turnedAway.get(req);
    if (retryMs !== undefined) {
      metrics?.refused.liveAdmission.inc();
      socket.close(CLOSE_CODES.tryAgainLater, retryReason(retryMs));
      return;
    }
    const address = clientAddress(req, limits.trustProxy);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    addresses.set(socket, address);
    alive.set(socket, true);
    socket.on('pong', ponged);
    socket.on('error', failed);
    // on(), not once() (see src/transport/graphql-ws-server.ts): a WebSocket emits close once.
    socket.on('close', closed);
  });

  /** Every close the server decides goes through here, so that its subscriptions end for that reason. */
  const closeSocket = (socket: WebSocket, code: number, reason: string) => {
    if (!closedBy.has(socket)) closedBy.set(socket, { code, byServer: true });
    socket.close(code, reason);
  };
  const deliveredOverWs = metrics?.eventsDelivered('graphql-ws') ?? null;
  /** The peer is not reading: stop buffering for it (closes the socket). True when it was cut off. */
  const cutOffIfNotReading = (socket: WebSocket) => {
    if (socket.bufferedAmount <= limits.maxSocketBufferBytes) return false;
    closeSocket(socket, CLOSE_CODES.slowConsumer, 'Slow consumer: resume from your last cursor');
    return true;
  };
  const sockets: SocketOwner = { closeSocket, cutOffIfNotReading, delivered: deliveredOverWs };
  const subscriptionEnded = (ctx: { extra: Extra & { socket: WebSocket } }, id: string) => {
    const subscription = ctx.extra.subscriptions?.get(id);
    if (!subscription) return;
    ctx.extra.subscriptions!.delete(id);
    const closed = closedBy.get(ctx.extra.socket);
    const reason = subscription.reason ?? (closed ? endReasonOfClose(closed) : 'complete');
    subscription.end?.(reason);
    subscription.log.debug({ reason, ...(closed ? { closeCode: closed.code } : {}) }, 'subscription ended');
  };

  const pingOrDrop = (socket: WebSocket) => {
    if (socket.readyState !== socket.OPEN) return;
    if (!alive.get(socket)) {
      socket.terminate();
      return;
    }
    alive.set(socket, false);
    socket.ping();
  };
  const pings = setInterval(() => spreadSweep(wsServer.clients, pingOrDrop), limits.wsPingIntervalMs);
  pings.unref();

  serveGraphqlWs<Record<string, unknown> | undefined, Extra>(
    {
      connectionInitWaitTimeout: limits.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          const token = bearerToken(typeof header === 'string' ? header : null);
          if (!token) {
            ctx.extra.viewer = anonymousReader;
            return true;
          }
          const verified = await verifyToken(jwtSecret, token);
          ctx.extra.viewer = verified.viewer;
          // Honour expiry on long-lived sockets too: close when the token runs out.
          const ms = verified.expiresAt * 1000 - Date.now();
          ctx.extra.expiry = setTimeout(() => closeSocket(ctx.extra.socket, CloseCode.Forbidden, 'Token expired'), Math.min(ms, 2 ** 31 - 1));
          ctx.extra.expiry.unref();
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
      },
      onOperation: (ctx, id, _payload, args, result) => {
        if (!isAsyncIterable(result)) return;
        ctx.extra.subscriptions ??= new Map();
        ctx.extra.subscriptions.set(id, {
          end: metrics?.subscriptionStarted('graphql-ws', (ctx.extra.viewer ?? anonymousReader).role) ?? null,
          reason: null,
          log: (args.contextValue as Context).log,
        });
      },
      // A stream that failed (a slow consumer cut off, a token run out): remembered for its end, which follows.
      onError: (ctx, id, _payload, errors) => {
        const subscription = ctx.extra.subscriptions?.get(id);
        if (subscription && !subscription.reason) subscription.reason = endReasonOf(errors[0]);
      },
      onComplete: (ctx, id) => subscriptionEnded(ctx, id),
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws has already registered this subscription when it asks: the limit-th one is allowed.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          metrics?.refused.subscriptionsPerConnection.inc();
          return [
            new GraphQLError(`At most ${limits.maxSubscriptionsPerConnection} subscriptions per connection.`, { extensions: { code: 'RATE_LIMITED' } }),
          ];
        }
        const refused = guardRequest(payload.query, payload.variables);
        if (refused) return socketErrors([refused]);
        if ((ctx.extra.viewer ?? anonymousReader) === anonymousReader && options.anonymousMayRun && !options.anonymousMayRun(payload.query)) {
          return socketErrors([
            clientError('PERSISTED_QUERY_ONLY', 'query: without a token this server runs trusted documents only (TRUSTED_DOCUMENTS_ONLY)', { field: 'query' }),
          ]);
        }
        const socket = ctx.extra.socket;
        const initial: SocketContext = {
          viewer: ctx.extra.viewer ?? anonymousReader,
          requestId: randomUUID(),
          connectionId: ctx.extra.requestId,
          clientAddress: ctx.extra.clientAddress,
          connection: new SocketSubscription(socket, id, sockets),
        };
        // The operation's context is this very object once the plugins and the context factory have added to
        // it, and it lives as long as the subscription: only what they read (not graphql-ws' ctx, the socket
        // or the upgrade request, which the socket's own closures keep anyway).
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          params: payload,
          ...initial,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          const errors = [error instanceof GraphQLError ? error : new GraphQLError('Could not parse the operation.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
          if (metrics) countQueryLimits(metrics, errors);
          return socketErrors(errors);
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) {
          if (metrics) countQueryLimits(metrics, errors);
          return socketErrors(errors);
        }
        return args;
      },
      // One serialisation of an event's result for all its subscribers (src/transport/shared-bytes.ts).
      onNext: sharedNext((ctx) => {
        if (deliveredOverWs) deliveredOverWs.value += 1;
        cutOffIfNotReading(ctx.extra.socket);
      }),
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
    },
    wsServer,
    log,
    closeSocket,
    (request) => !turnedAway.has(request),
    (request) => clientAddress(request, limits.trustProxy),
  );

  return {
    async close() {
      clearInterval(pings);
      unwatch?.();
      // 1001 Going Away: clients reconnect (elsewhere) and resume from their cursor.
      for (const client of wsServer.clients) closeSocket(client, CLOSE_CODES.goingAway, 'Server shutting down');
      // The server closes once every socket has: a peer that never answers the close (a dead link)
      // would hold shutdown for ws' 30 s close timeout. Give live peers a second, then cut the rest.
      const cut = setTimeout(() => {
        for (const client of wsServer.clients) client.terminate();
      }, 1_000);
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      clearTimeout(cut);
    },
    stats() {
      let bufferedBytes = 0;
      for (const client of wsServer.clients) bufferedBytes += client.bufferedAmount;
      return { connections: wsServer.clients.size, bufferedBytes };
    },
  };
}
