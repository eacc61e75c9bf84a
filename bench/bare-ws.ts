/**
 * The physical floor of the fan-out benchmark: a bare `ws` server, in a
 * process of its own like the API, that sends one ready-made message of a
 * given size to every connected socket when asked (POST
 * /broadcast?seq=N&bytes=B). Nothing but serialising once and writing to N
 * sockets: what any WebSocket fan-out on this machine costs at least.
 *
 * It also holds Server-Sent Events streams (any GET with `Accept:
 * text/event-stream`), as Node's own HTTP server holds them, and writes each
 * broadcast to them as an SSE `next` event of the same size: the floor of
 * SSE readers, their memory and their latency, beside the API's.
 * Prints "listening <url>" when it serves.
 */
import { type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const streams = new Set<ServerResponse>();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && req.headers.accept?.includes('text/event-stream')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(':\n\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
    return;
  }
  if (req.method !== 'POST' || url.pathname !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  const seq = Number(url.searchParams.get('seq'));
  const bytes = Number(url.searchParams.get('bytes'));
  const sseBytes = Number(url.searchParams.get('sseBytes') ?? bytes);
  // The same shapes as the API's graphql-ws `next` message and SSE `next` event, padded to the same sizes.
  const occurredAt = new Date().toISOString();
  const padded = (head: string, tail: string, size: number) => Buffer.from(head + 'x'.repeat(Math.max(0, size - head.length - tail.length)) + tail);
  const message = padded(`{"id":"1","type":"next","payload":{"data":{"storyEvents":{"sequence":${seq},"occurredAt":"${occurredAt}","padding":"`, '"}}}}', bytes);
  for (const socket of wss.clients) socket.send(message);
  if (streams.size) {
    const event = padded(`event: next\ndata: {"data":{"storyEvents":{"sequence":${seq},"occurredAt":"${occurredAt}","padding":"`, '"}}}\n\n', sseBytes);
    for (const stream of streams) stream.write(event);
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sockets: wss.clients.size, streams: streams.size }));
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
