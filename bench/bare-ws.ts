/**
 * The physical floor of the fan-out benchmark: a bare `ws` server, in a
 * process of its own like the API, that sends one ready-made message of a
 * given size to every connected socket when asked (POST
 * /broadcast?seq=N&bytes=B). Nothing but serialising once and writing to N
 * sockets: what any WebSocket fan-out on this machine costs at least.
 * Prints "listening <url>" when it serves.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'POST' || url.pathname !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  const seq = Number(url.searchParams.get('seq'));
  const bytes = Number(url.searchParams.get('bytes'));
  // The same shape as a graphql-ws `next` message of the API, padded to the same size.
  const head = `{"id":"1","type":"next","payload":{"data":{"storyEvents":{"sequence":${seq},"occurredAt":"${new Date().toISOString()}","padding":"`;
  const tail = '"}}}}';
  const message = Buffer.from(head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail);
  for (const socket of wss.clients) socket.send(message);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sockets: wss.clients.size }));
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
