/**
 * Admission control (src/transport/admission.ts): an instance takes new
 * live connections at a bounded rate and refuses the excess with a
 * retryable answer and a hint — WebSockets closed with 1013 ("retry in
 * <ms> ms"), SSE streams and graphql-sse reservations answered 503 with
 * Retry-After — and a client that waits as told gets in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../src/errors.js';
import { Admission, RETRY_HINT } from '../src/transport/admission.js';
import { type TestServer, startTestServer } from './helpers/server.js';

describe('the admission bucket', () => {
  it('admits a burst, then the rate, and hints at a wait that grows with those refused before', () => {
    let now = 0;
    const admission = new Admission(10, 3, () => now, () => 0.5);
    expect([admission.admit(), admission.admit(), admission.admit()]).toEqual([null, null, null]);
    // Over the burst: each refused one is told to come back after those refused before it (at 10 a second, jitter 1×).
    const hints = Array.from({ length: 20 }, () => admission.admit());
    expect(hints.every((h) => h !== null)).toBe(true);
    expect(hints[0]).toBe(500); // never less than half a second
    expect(hints[19]).toBe(2_000); // 20 waiting at 10 a second
    expect(hints).toEqual([...hints].sort((a, b) => a! - b!));
    // Two seconds on, the ones refused have had their turn: room again.
    now += 2_100;
    expect(admission.admit()).toBeNull();
    expect(admission.admitted).toBe(4);
    expect(admission.refused).toBe(20);
  });

  it('jitters the hint between half and one and a half times the wait', () => {
    let now = 0;
    const low = new Admission(10, 1, () => now, () => 0);
    const high = new Admission(10, 1, () => now, () => 0.999);
    low.admit();
    high.admit();
    for (let i = 0; i < 39; i++) {
      low.admit();
      high.admit();
    }
    now = 0;
    expect(low.admit()).toBe(2_000); // 40 waiting: 4 s × 0.5
    expect(high.admit()).toBe(5_996); // 4 s × ~1.5
  });

  it('admits everything at rate 0', () => {
    const admission = new Admission(0, 1);
    for (let i = 0; i < 1_000; i++) expect(admission.admit()).toBeNull();
  });
});

let server: TestServer;
beforeAll(async () => {
  // One new connection a second, three at once.
  server = await startTestServer({ SEED_DEMO: 'false', LIVE_ADMISSION_RATE: '1', LIVE_ADMISSION_BURST: '3' });
});
afterAll(async () => {
  await server?.stop();
});

function open(): Promise<{ socket: WebSocket; acked: boolean; close: { code: number; reason: string } | null }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      if (String(data).includes('connection_ack')) resolve({ socket, acked: true, close: null });
    });
    socket.on('close', (code, reason) => resolve({ socket, acked: false, close: { code, reason: String(reason) } }));
    socket.on('error', () => {});
  });
}

describe('admission control on the live transports', () => {
  it('closes WebSockets over the rate with 1013 and a retry hint; waiting as told gets in', async () => {
    const admitted = await Promise.all([open(), open(), open()]);
    expect(admitted.map((a) => a.acked)).toEqual([true, true, true]);
    const refused = await open();
    expect(refused.acked).toBe(false);
    expect(refused.close?.code).toBe(CLOSE_CODES.tryAgainLater);
    const hint = Number(RETRY_HINT.exec(refused.close!.reason)?.[1]);
    expect(hint).toBeGreaterThanOrEqual(500);
    expect(hint).toBeLessThanOrEqual(30_000);
    // The refused socket never reached graphql-ws, and is let go once closed: nothing of it is held.
    for (let i = 0; i < 100 && server.app.websockets.stats().connections > 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.websockets.stats().connections).toBe(3);

    // SSE, both modes: 503 with Retry-After and the hint in the error.
    const query = encodeURIComponent('subscription { entryPublished(story: "U3Rvcnk6MQ") { id } }');
    const sse = await fetch(`${server.url}/graphql?query=${query}`, { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(503);
    expect(Number(sse.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await sse.json()).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterMs: expect.any(Number) as number } }] });
    const reservation = await fetch(`${server.url}/graphql`, { method: 'PUT' });
    expect(reservation.status).toBe(503);
    expect(reservation.headers.get('retry-after')).toMatch(/^\d+$/);
    // Ordinary requests are not live connections: never refused by admission.
    const query200 = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(query200.status).toBe(200);

    // Wait as told (the last refusal's hint covers those before it), then come back: admitted.
    const reservationHint = Number(reservation.headers.get('retry-after')) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(hint, reservationHint) + 100));
    const again = await open();
    expect(again.acked).toBe(true);
    for (const { socket } of [...admitted, again]) socket.close();
  }, 60_000);
});
