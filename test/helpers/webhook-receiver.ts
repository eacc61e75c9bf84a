/**
 * A real HTTP receiver on loopback for webhook tests. Each path is one
 * receiver; its `plan` answers each request in turn ('ok', 'fail' = HTTP 500,
 * 'hang' = never answers, so the sender times out), then keeps answering
 * with `then`. It checks every signature and records every request.
 */
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_HEADERS, verifyDelivery } from '../../src/webhooks/signature.js';

export type Answer = 'ok' | 'fail' | 'hang';

export interface Received {
  path: string;
  deliveryId: string;
  event: string;
  body: { deliveryId: string; event: { kind: string; sequence: number; story: { slug: string }; entry: { id: string; headline: string; body: string | null; status: string } | null } };
  signatureValid: boolean;
  answer: Answer;
}

export interface Receiver {
  url: string;
  received: Received[];
  /**
   * Deliveries answered 2xx, once each by delivery id, as a receiver that
   * deduplicates keeps them. (A sender that gave up waiting just before the
   * answer retries an acknowledged delivery: at least once, not exactly once.)
   */
  acknowledged(path: string): Received[];
  route(path: string, plan: Answer[], then?: Answer): void;
  secret(path: string, secret: string): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const routes = new Map<string, { plan: Answer[]; then: Answer; secret: string }>();
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const route = routes.get(path) ?? { plan: [], then: 'ok' as Answer, secret: '' };
      const answer = route.plan.shift() ?? route.then;
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({
        path,
        deliveryId: String(req.headers[WEBHOOK_HEADERS.delivery]),
        event: String(req.headers[WEBHOOK_HEADERS.event]),
        body: JSON.parse(text) as Received['body'],
        signatureValid: verifyDelivery(route.secret, { timestamp: String(req.headers[WEBHOOK_HEADERS.timestamp]), signature: String(req.headers[WEBHOOK_HEADERS.signature]) }, text),
        answer,
      });
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer === 'ok' ? 204 : 500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    acknowledged(path) {
      const seen = new Set<string>();
      return received.filter((r) => r.path === path && r.answer === 'ok' && !seen.has(r.deliveryId) && Boolean(seen.add(r.deliveryId)));
    },
    route(path, plan, then = 'ok') {
      const existing = routes.get(path);
      routes.set(path, { plan: [...plan], then, secret: existing?.secret ?? '' });
    },
    secret(path, secret) {
      const existing = routes.get(path) ?? { plan: [], then: 'ok' as Answer, secret: '' };
      routes.set(path, { ...existing, secret });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs` (a safety net, not a timing assertion). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
