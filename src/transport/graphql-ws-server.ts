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

/** How graphql-ws words the errors a client's message causes. */
const PROTOCOL_ERROR = /^(Unexpected message of type|Invalid message|Message is missing|Message .* must be|"[a-z]+" message expects)/i;

export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export function serveGraphqlWs<P extends Record<string, unknown> | undefined, E extends object>(
  options: ServerOptions<P, SocketExtra & E>,
  wsServer: WebSocketServer,
  log: Logger,
  /** How the server closes a socket (the caller notes why); a plain close by default. */
  closeSocket: (socket: WebSocket, code: number, reason: string) => void = (socket, code, reason) => socket.close(code, reason),
  /** Whether graphql-ws serves this upgrade (one turned away by admission control is only closed). */
  serves: (request: IncomingMessage) => boolean = () => true,
): void {
  const server = makeServer<P, SocketExtra & E>(options);
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('error', (err) => log.error({ err }, 'WebSocket server error'));
  const socketLog = log;

  wsServer.on('connection', (socket, request) => {
    if (!serves(request)) return;
    // Every line about this socket carries the request id of its upgrade (set in src/transport/websocket.ts).
    const log = socketLog.child({ requestId: request.headers['x-request-id'] });
    socket.once('error', (err) => {
      // ECONNRESET and the like: the peer is gone. Not worth more than a line.
      log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'WebSocket error; closing the socket');
      socket.terminate();
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => {
              if (err) log.debug({ err: { message: err.message, code: (err as { code?: string }).code } }, 'dropped a message to a closing WebSocket');
              resolve();
            });
          }),
        close: (code, reason) => (code === undefined ? socket.close() : closeSocket(socket, code, reason ?? '')),
        onMessage: (handle) =>
          socket.on('message', async (message) => {
            try {
              await handle(String(message));
            } catch (err) {
              // graphql-ws throws for messages a client must not send (`next` or `connection_ack` from a
              // client, an unknown type): the client's fault, 4400, not the server's 4500.
              if (err instanceof Error && PROTOCOL_ERROR.test(err.message)) {
                log.debug({ reason: err.message }, 'closed a WebSocket for a protocol error');
                closeSocket(socket, CloseCode.BadRequest, err.message.slice(0, 120));
                return;
              }
              log.error({ err }, 'graphql-ws could not handle a message; closing the socket');
              closeSocket(socket, CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request } as SocketExtra & E,
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });
}
