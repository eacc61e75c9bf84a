/**
 * A real HTTP receiver on loopback for webhook tests. Each path is one
 * receiver; its `plan` answers each request in turn ('ok', 'fail' = HTTP 500,
 * 'hang' = no answer until `release` or the sender gives up), then keeps
 * answering with `then`. It checks every signature, both the Standard
 * Webhooks one (with the `standardwebhooks` package, as a partner's receiver
 * would) and the older `x-diretta-signature`, and records every request.
 * Loopback is not a target webhooks may reach unless listed: servers that
 * send to it are started with `WEBHOOK_ALLOWED_TARGETS: receiver.target`.
 */
import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_HEADERS, verifyDelivery } from '../../src/webhooks/signature.js';

export type Answer = 'ok' | 'fail' | 'hang';

export interface Received {
  path: string;
  deliveryId: string;
  event: string;
  body: { deliveryId: string; event: { kind: string; sequence: number; story: { slug: string }; entry: { id: string; headline: string; body: string | null; status: string } | null } };
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  text: string;
  /** `x-diretta-signature` checks out with the path's secret. */
  signatureValid: boolean;
  /** `new Webhook(secret).verify(body, headers)` (standardwebhooks) accepts it with the path's secret. */
  standardValid: boolean;
  answer: Answer;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface Receiver {
  url: string;
  /** `127.0.0.1:<port>`, for WEBHOOK_ALLOWED_TARGETS. */
  target: string;
  received: Received[];
  /**
   * Deliveries answered 2xx, once each by delivery id, as a receiver that
   * deduplicates keeps them. (A sender that gave up waiting just before the
   * answer retries an acknowledged delivery: at least once, not exactly once.)
   */
  acknowledged(path: string): Received[];
  route(path: string, plan: Answer[], then?: Answer): void;
  /** The path's secret; `raw` for one issued before Standard Webhooks (base64url), which standardwebhooks takes as a raw key. */
  secret(path: string, secret: string, format?: 'standard' | 'raw'): void;
  /** Answers 204 to the requests of `path` that are hanging; returns how many. */
  release(path: string): number;
  close(): Promise<void>;
}

/** Whether standardwebhooks accepts the delivery with this secret (a legacy secret is a raw key). */
export function standardVerifies(secret: string, text: string, headers: IncomingHttpHeaders, options: { raw?: boolean } = {}): boolean {
  try {
    const webhook = options.raw ? new Webhook(secret, { format: 'raw' }) : new Webhook(secret);
    webhook.verify(text, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

export async function startReceiver(): Promise<Receiver> {
  type Route = { plan: Answer[]; then: Answer; secret: string; format: 'standard' | 'raw' };
  const routes = new Map<string, Route>();
  const blank = (): Route => ({ plan: [], then: 'ok', secret: '', format: 'standard' });
  const received: Received[] = [];
  const hanging = new Map<ServerResponse, { path: string; record: Received }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const route = routes.get(path) ?? blank();
      const answer = route.plan.shift() ?? route.then;
      const text = Buffer.concat(chunks).toString('utf8');
      const record: Received = {
        path,
        deliveryId: String(req.headers[WEBHOOK_HEADERS.delivery]),
        event: String(req.headers[WEBHOOK_HEADERS.event]),
        body: JSON.parse(text) as Received['body'],
        headers: req.headers,
        text,
        signatureValid: verifyDelivery(route.secret, { timestamp: String(req.headers[WEBHOOK_HEADERS.timestamp]), signature: String(req.headers[WEBHOOK_HEADERS.signature]) }, text),
        standardValid: route.secret !== '' && standardVerifies(route.secret, text, req.headers, { raw: route.format === 'raw' }),
        answer,
        at: Date.now(),
      };
      received.push(record);
      if (answer === 'hang') {
        hanging.set(res, { path, record });
        res.once('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(answer === 'ok' ? 204 : 500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    received,
    acknowledged(path) {
      const seen = new Set<string>();
      return received.filter((r) => r.path === path && r.answer === 'ok' && !seen.has(r.deliveryId) && Boolean(seen.add(r.deliveryId)));
    },
    route(path, plan, then = 'ok') {
      routes.set(path, { ...(routes.get(path) ?? blank()), plan: [...plan], then });
    },
    secret(path, secret, format = 'standard') {
      routes.set(path, { ...(routes.get(path) ?? blank()), secret, format });
    },
    release(path) {
      let count = 0;
      for (const [res, held] of [...hanging]) {
        if (held.path !== path || res.destroyed) continue;
        held.record.answer = 'ok';
        res.writeHead(204).end();
        hanging.delete(res);
        count += 1;
      }
      return count;
    },
    async close() {
      for (const res of hanging.keys()) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { until } from '../../scripts/edge/processes.js';
