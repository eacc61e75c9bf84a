/**
 * One webhook attempt over HTTP(S): a fresh connection each time, made
 * through WebhookTargets (the address connected is the address checked),
 * no redirects followed, one deadline from DNS to the answer's status line.
 * What went wrong comes back as a category (src/webhooks/targets.ts): the
 * details (addresses, ports, the system's message) go to the log only.
 */
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { DeliveryFailure, type TransportFailure, type WebhookTargets } from './targets.js';

export interface Answer {
  status: number;
  /** From the start of the attempt (DNS included) to the status line. */
  elapsedMs: number;
}

export function postWebhook(url: URL, headers: Record<string, string>, body: string, options: { timeoutMs: number; targets: WebhookTargets }): Promise<Answer> {
  const blocked = options.targets.blockedBeforeConnect(url);
  if (blocked) return Promise.reject(blocked);
  const started = performance.now();
  return new Promise<Answer>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let request: ClientRequest;
    try {
      request = send({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // A connection of its own each time: every attempt resolves and checks its target afresh.
        agent: false,
        lookup: options.targets.lookupFor(url),
      });
    } catch (error) {
      reject(error);
      return;
    }
    const timer = setTimeout(() => request.destroy(new DeliveryFailure('timeout', `no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.once('socket', (socket: Socket) => {
      // Nothing, not even the headers, is written before the connected address is checked.
      const sendWhenChecked = () => {
        const refused = options.targets.blockedConnection(url, socket.remoteAddress);
        if (refused) request.destroy(refused);
        else request.end(body);
      };
      if (socket.connecting) socket.once('connect', sendWhenChecked);
      else sendWhenChecked();
    });
    request.once('response', (response) => {
      clearTimeout(timer);
      resolve({ status: response.statusCode ?? 0, elapsedMs: performance.now() - started });
      // The answer's body is not read: the status says it all (and an error while dropping it changes nothing).
      response.on('error', () => {});
      response.destroy();
    });
    // `on`, not `once`: a second error (after a timeout's destroy, say) must not go unheard and crash the process.
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$|HOSTNAME_MISMATCH$|ERR_OSSL_)/;

/** The category of an attempt that got no HTTP answer. */
export function failureKind(error: unknown): TransportFailure {
  if (error instanceof DeliveryFailure) return error.kind;
  // Several addresses tried (happy eyeballs), all failed: the first says why.
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  if (inner instanceof DeliveryFailure) return inner.kind;
  const { code, syscall, library } = (inner !== null && typeof inner === 'object' ? inner : {}) as { code?: unknown; syscall?: unknown; library?: unknown };
  const c = typeof code === 'string' ? code : '';
  if (typeof syscall === 'string' && (syscall === 'getaddrinfo' || syscall.startsWith('query'))) return 'dns';
  if (c === 'ECONNREFUSED') return 'refused';
  if (c === 'ETIMEDOUT') return 'timeout';
  // OpenSSL's errors name their library ("SSL routines").
  if (TLS_CODES.test(c) || typeof library === 'string') return 'tls';
  return 'network';
}
