/**
 * The purgers: where a purge of surrogate keys goes, one HTTP request per
 * batch of keys (src/edge/drainer.ts calls them).
 *
 * - Varnish (VARNISH_PURGE_URL, one or several): `PURGE` with the keys in
 *   `xkey-softpurge` (soft: the answers become stale, kept for grace and
 *   conditional requests) or `xkey-purge` (hard: gone), which
 *   deploy/varnish/diretta.vcl hands to vmod-xkey.
 * - Fastly (FASTLY_SERVICE_ID, FASTLY_API_TOKEN): `POST
 *   /service/{id}/purge` with the keys in `Surrogate-Key` (up to 256 a
 *   request), `Fastly-Key` for the token and `Fastly-Soft-Purge: 1` unless
 *   the purge is hard (Fastly's API reference, "Purge multiple surrogate
 *   key tags").
 * - Any other HTTP purger (PURGE_URL): a JSON `POST` of `{ keys, hard }`,
 *   the keys also in `Surrogate-Key`.
 *
 * A purger answers 2xx or the attempt failed (the drainer retries the whole
 * batch: purging a key twice is harmless).
 */
import type { PurgeTargets } from '../config.js';
import { describeFailure } from '../webhooks/outbox-loop.js';

export interface Purger {
  /** For logs and counters, without credentials. */
  readonly name: string;
  /** Purges the keys; throws an Error saying why when the purger did not take them. */
  purge(keys: readonly string[], hard: boolean): Promise<void>;
}

/** Keys a request carries at most: Fastly takes 256 a request. */
const KEYS_PER_REQUEST = 256;
/** Bytes of keys a request header carries at most: Varnish refuses a request header line over 8 KB by default. */
const KEY_BYTES_PER_REQUEST = 4096;

/** Splits keys into batches that fit one request. */
export function keyBatches(keys: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const key of keys) {
    if (current.length > 0 && (current.length >= KEYS_PER_REQUEST || bytes + key.length + 1 > KEY_BYTES_PER_REQUEST)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(key);
    bytes += key.length + 1;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Where a URL points, without a user name or password, for logs. */
function shown(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

async function send(url: string, init: RequestInit, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(describeFailure(error, timeoutMs));
  }
  const text = await response.text().catch(() => '');
  if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`);
}

function varnishPurger(url: string, timeoutMs: number): Purger {
  return {
    name: `varnish ${shown(url)}`,
    async purge(keys, hard) {
      for (const batch of keyBatches(keys)) {
        await send(url, { method: 'PURGE', headers: { [hard ? 'xkey-purge' : 'xkey-softpurge']: batch.join(' ') } }, timeoutMs);
      }
    },
  };
}

function fastlyPurger(target: NonNullable<PurgeTargets['fastly']>, timeoutMs: number): Purger {
  const url = `${target.apiUrl}/service/${encodeURIComponent(target.serviceId)}/purge`;
  return {
    name: `fastly ${target.serviceId}`,
    async purge(keys, hard) {
      for (const batch of keyBatches(keys)) {
        const headers: Record<string, string> = { 'fastly-key': target.apiToken, 'surrogate-key': batch.join(' '), accept: 'application/json' };
        if (!hard) headers['fastly-soft-purge'] = '1';
        await send(url, { method: 'POST', headers }, timeoutMs);
      }
    },
  };
}

function httpPurger(url: string, timeoutMs: number): Purger {
  return {
    name: `http ${shown(url)}`,
    async purge(keys, hard) {
      for (const batch of keyBatches(keys)) {
        await send(
          url,
          { method: 'POST', headers: { 'content-type': 'application/json', 'surrogate-key': batch.join(' ') }, body: JSON.stringify({ keys: batch, hard }) },
          timeoutMs,
        );
      }
    },
  };
}

/** The purgers the configuration names (none: nothing to purge). */
export function configuredPurgers(targets: PurgeTargets, timeoutMs: number): Purger[] {
  return [
    ...targets.varnish.map((url) => varnishPurger(url, timeoutMs)),
    ...(targets.fastly ? [fastlyPurger(targets.fastly, timeoutMs)] : []),
    ...(targets.http ? [httpPurger(targets.http, timeoutMs)] : []),
  ];
}
