/**
 * GET /metrics, in Prometheus' text format: on a listener of its own
 * (METRICS_PORT on METRICS_HOST, 127.0.0.1 unless told otherwise, for a
 * scraper on the same host or network), and on the main port to requests
 * that bear METRICS_TOKEN, for a scraper that reaches only the public port.
 */
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';

export const METRICS_PATH = '/metrics';

/** Whether a request asks for the metrics (the path, with or without a query string). */
export function isMetricsRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return url === METRICS_PATH || url.startsWith(`${METRICS_PATH}?`);
}

/** Whether the request bears the token, compared in constant time. */
export function bearsMetricsToken(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Answers a metrics request: the exposition, or 405 for anything but GET and HEAD. */
export async function serveMetrics(metrics: Metrics, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Method not allowed\n');
    return;
  }
  try {
    const body = await metrics.exposition();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    log.error({ err: error, requestId: req.headers['x-request-id'] }, 'could not render the metrics');
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The metrics could not be rendered.\n');
  }
}

/** Refuses a metrics request on the main port that does not bear the token. */
export function refuseMetrics(res: ServerResponse): void {
  res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('The metrics need the bearer token of METRICS_TOKEN.\n');
}

export interface MetricsListener {
  /** http://host:port of the listener. */
  url: string;
  close(): Promise<void>;
}

/** The metrics on a listener of their own: /metrics, and 404 for anything else. */
export async function listenForMetrics(metrics: Metrics, host: string, port: number, log: Logger): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    if (isMetricsRequest(req)) {
      void serveMetrics(metrics, req, res, log);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Only ${METRICS_PATH} is served here.\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
