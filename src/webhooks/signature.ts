/**
 * How a webhook delivery is signed, and how a receiver checks it. The
 * signature covers the timestamp and the exact body bytes, so a receiver can
 * refuse both a forged body and an old delivery replayed later.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  /** The delivery's id (a UUID): the same on every retry of it, so receivers deduplicate on it. */
  delivery: 'x-diretta-delivery',
  /** The event's kind, e.g. `published`. */
  event: 'x-diretta-event',
  /** Seconds since the epoch when this attempt was signed. */
  timestamp: 'x-diretta-timestamp',
  /** `sha256=` and the hex HMAC-SHA256, keyed with the webhook's secret, of `<timestamp>.<body>`. */
  signature: 'x-diretta-signature',
} as const;

/** A new webhook secret: 32 random bytes, base64url, with a prefix that says what it is. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (the README shows the same in a few lines): constant-time compare, bounded clock skew. */
export function verifyDelivery(secret: string, headers: { timestamp: string; signature: string }, body: string, now = Date.now(), toleranceSeconds = 300): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isSafeInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signDelivery(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
