/**
 * graphql-ws served on a `ws` server: the library's own `useServer` adapter,
 * minus what does not suit a public service. `useServer` prints errors with
 * console.error (raw stacks on stderr, outside the structured log) and turns
 * a failed send — the peer vanished mid-event, `write EPIPE` — into an
 * "internal error" that closes the socket with 4500. Here a send to a peer
 * that is gone is dropped (its close event ends its subscriptions anyway),
 * and every other error goes to the logger with the client's address.
 * Pings are left to the caller's shared timer (see websocket.ts).
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, type ServerOptions, handleProtocols, makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import { textInterner } from './text-interner.js';

/** How graphql-ws words the errors a client's message causes. */
const PROTOCOL_ERROR = /^(Unexpected message of type|Invalid message|Message is missing|Message .* must be|"[a-z]+" message expects)/i;

/**
 * What a socket's operations know of it. Not its upgrade request: an idle
 * reader's socket outlives it by hours, and the request (its headers, raw
 * and parsed, and its stream state) would stay with every one of them.
 */
export interface SocketExtra {
  readonly socket: WebSocket;
  /** The upgrade's request id (src/transport/websocket.ts sets it): every line about the socket carries it. */
  readonly requestId: string;
  /** The client's address, as the caller reads it from the upgrade. */
  readonly clientAddress: string;
}

export function serveGraphqlWs<P extends Record<string, unknown> | undefined, E extends object>(
  options: ServerOptions<P, SocketExtra & E>,
  wsServer: WebSocketServer,
  log: Logger,
  /** How the server closes a socket (the caller notes why); a plain close by default. */
  closeSocket: (socket: WebSocket, code: number, reason: string) => void = (socket, code, reason) => socket.close(code, reason),
  /** Whether graphql-ws serves this upgrade (one turned away by admission control is only closed). */
  serves: (request: IncomingMessage) => boolean = () => true,
  /** The client's address, from its upgrade request. */
  addressOf: (request: IncomingMessage) => string = (request) => request.socket.remoteAddress ?? 'unknown',
): void {
  const intern = textInterner();
  const server = makeServer<P, SocketExtra & E>({
    ...options,
    // The query parsed out of a shared text is a string of its own: the subscription keeps the interned one
    // instead. (Not with a JSON reviver: it recurses through the variables, which a hostile message nests
    // 30,000 deep, before the input guard can refuse them.)
    onSubscribe: (ctx, id, payload) => {
      if (typeof payload.query === 'string') (payload as { query: string }).query = intern(payload.query);
      return options.onSubscribe?.(ctx, id, payload);
    },
  });
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('error', (err) => log.error({ err }, 'WebSocket server error'));

  wsServer.on('connection', (socket, request) => {
    if (!serves(request)) return;
    const adapter = new SocketAdapter(socket, String(request.headers['x-request-id']), log, closeSocket, intern);
    adapters.set(socket, adapter);
    // on(), not once(): a socket closes once, and once() wraps every listener in two objects of its own, kept for
    // as long as the socket (hours, for a reader). The error handler ends the socket: a second error does nothing new.
    socket.on('error', socketFailed);
    adapter.closed = server.opened(adapter, { socket, requestId: adapter.requestId, clientAddress: addressOf(request) } as SocketExtra & E);
    socket.on('close', socketClosed);
  });
}

/** Each socket's adapter, for the listeners every socket shares (the socket is their `this`). */
const adapters = new WeakMap<WebSocket, SocketAdapter>();

function socketFailed(this: WebSocket, err: Error) {
  adapters.get(this)?.failed(err);
}

function socketClosed(this: WebSocket, code: number, reason: Buffer) {
  void adapters.get(this)?.closed?.(code, String(reason));
}

function socketMessage(this: WebSocket, message: unknown) {
  void adapters.get(this)?.received(String(message));
}

/**
 * The socket as graphql-ws sees it (its `send`, `close` and `onMessage`).
 * A class rather than an object of closures: a reader's socket lives for
 * hours, thousands of them at once, and the methods live once, on the
 * prototype. Every line about the socket carries the request id of its
 * upgrade; the child logger is made when a line is.
 */
class SocketAdapter {
  private child: Logger | null = null;
  /** graphql-ws' handler of the socket's messages, once it listens. */
  private handle: ((data: string) => Promise<void>) | null = null;
  /** Tells graphql-ws the socket closed (what its `opened` returned). */
  closed: ((code?: number, reason?: string) => Promise<void>) | null = null;

  constructor(
    private readonly socket: WebSocket,
    readonly requestId: string,
    private readonly parentLog: Logger,
    private readonly closeSocket: (socket: WebSocket, code: number, reason: string) => void,
    private readonly intern: (text: string) => string,
  ) {}

  private get log(): Logger {
    return (this.child ??= this.parentLog.child({ requestId: this.requestId }));
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const { socket } = this;
      if (socket.readyState !== socket.OPEN) return resolve();
      socket.send(data, (err) => {
        if (err) this.log.debug({ err: { message: err.message, code: (err as { code?: string }).code } }, 'dropped a message to a closing WebSocket');
        resolve();
      });
    });
  }

  close(code?: number, reason?: string): void {
    if (code === undefined) this.socket.close();
    else this.closeSocket(this.socket, code, reason ?? '');
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.handle = handle;
    this.socket.on('message', socketMessage);
  }

  /**
   * Interned before any frame takes it: graphql-ws' handler of a `subscribe`
   * message (and this one's, around it) stays suspended for as long as the
   * subscription runs, holding the text it was given.
   */
  received(message: string): Promise<void> {
    return this.handled(this.intern(message));
  }

  private async handled(message: string): Promise<void> {
    try {
      await this.handle!(message);
    } catch (err) {
      // graphql-ws throws for messages a client must not send (`next` or `connection_ack` from a
      // client, an unknown type): the client's fault, 4400, not the server's 4500.
      if (err instanceof Error && PROTOCOL_ERROR.test(err.message)) {
        this.log.debug({ reason: err.message }, 'closed a WebSocket for a protocol error');
        this.closeSocket(this.socket, CloseCode.BadRequest, err.message.slice(0, 120));
        return;
      }
      this.log.error({ err }, 'graphql-ws could not handle a message; closing the socket');
      this.closeSocket(this.socket, CloseCode.InternalServerError, 'Internal server error');
    }
  }

  /** ECONNRESET and the like: the peer is gone. Not worth more than a line. */
  failed(err: Error): void {
    this.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'WebSocket error; closing the socket');
    this.socket.terminate();
  }
}
