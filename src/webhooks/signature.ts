/**
 * How a webhook delivery is signed, and how a receiver checks it.
 *
 * Standard Webhooks (https://www.standardwebhooks.com, the `standardwebhooks`
 * package): `webhook-id`, `webhook-timestamp` and `webhook-signature`, the
 * last `v1,<base64 HMAC-SHA256>` over `<id>.<timestamp>.<body>`, one for each
 * secret in force (space-separated: during a rotation's grace period, the new
 * secret's and the previous one's).
 *
 * The key is the secret's base64 after `whsec_`, decoded. Secrets issued
 * before Diretta followed the standard are base64url without padding
 * (`whsec_` + 43 characters): those are used as raw keys (the secret's own
 * characters, as `new Webhook(secret, { format: 'raw' })` takes them), the
 * key the `x-diretta-signature` header has always used.
 *
 * The older `x-diretta-*` headers stay for receivers written against them:
 * `sha256=<hex HMAC-SHA256>` over `<timestamp>.<body>`, keyed with the
 * current secret's characters.
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

export const STANDARD_HEADERS = {
  /** The delivery's id, as `x-diretta-delivery`. */
  id: 'webhook-id',
  /** Seconds since the epoch when this attempt was signed. */
  timestamp: 'webhook-timestamp',
  /** `v1,<base64>` per secret in force, space-separated. */
  signature: 'webhook-signature',
} as const;

/** Random bytes in a secret: the standard asks for 24 to 64. */
const SECRET_BYTES = 32;

/** A new webhook secret as Standard Webhooks writes one: `whsec_` and the base64 (padded) of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

const STANDARD_SECRET = /^whsec_(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The HMAC key of a secret: the decoded base64 of a standard one, the characters of an older one. */
export function signingKey(secret: string): Buffer {
  return STANDARD_SECRET.test(secret) ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The `webhook-signature` value: one `v1,` signature per secret, space-separated. */
export function standardSignature(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ');
}

export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver of the `x-diretta-*` headers does: constant-time compare, bounded clock skew. */
export function verifyDelivery(secret: string, headers: { timestamp: string; signature: string }, body: string, now = Date.now(), toleranceSeconds = 300): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isSafeInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signDelivery(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
