/**
 * A cap on open TCP connections per client address, counted as they are
 * accepted: keep-alive sockets, SSE streams, WebSockets and half-sent
 * requests alike. Over it, the new socket is closed at once, before a byte
 * of it is read, so one address cannot hold the server's sockets (and their
 * buffers) however slowly it sends. Behind a proxy every connection comes
 * from the proxy, so the cap is left to it (TRUST_PROXY).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { CounterCell } from '../observability/metric-families.js';

export function capConnectionsPerAddress(server: Server, max: number, log: Logger, refused: CounterCell | null = null): { open(address: string): number } {
  const open = new Map<string, number>();
  let refusedSinceLog = 0;
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      // One line per burst, not one per refused socket: a flood must not flood the log too.
      if (refusedSinceLog++ === 0) log.warn({ address, max }, 'refused HTTP connections: too many open from this address');
      refused?.inc();
      socket.destroy();
      return;
    }
    refusedSinceLog = 0;
    open.set(address, count + 1);
    // on(), not once() (whose wrappers would stay with every socket, a reader's for hours): a socket closes once.
    socket.on('close', closed);
  });
  // One listener for every socket (its `this`): the address read above is kept by the socket itself.
  function closed(this: Socket) {
    const address = this.remoteAddress ?? 'unknown';
    const left = (open.get(address) ?? 1) - 1;
    if (left <= 0) open.delete(address);
    else open.set(address, left);
  }
  return { open: (address) => open.get(address) ?? 0 };
}
