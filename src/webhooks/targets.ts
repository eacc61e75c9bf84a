/**
 * Where a webhook may send (server-side request forgery): a URL is parsed as
 * WHATWG URL parses it (so `0x7f000001`, `2130706433` and `0177.0.0.1` are
 * the 127.0.0.1 they mean), its host name is refused if it names the machine
 * or a private zone, and every address it resolves to must be public
 * (src/webhooks/addresses.ts). The same check runs at registration and at
 * every delivery; at delivery the connection is made to the address that
 * was checked (a `lookup` of our own), and the address actually connected
 * is checked again before a byte is sent, so a DNS answer that changes
 * between the two (rebinding) gains nothing. `host:port` pairs listed in
 * WEBHOOK_ALLOWED_TARGETS are exempt: on-premises receivers, tests.
 */
import { lookup as systemLookup, Resolver } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { type ForbiddenRange, forbiddenRange } from './addresses.js';

/** A resolved address, as `dns.lookup(…, { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Why a delivery got no HTTP answer, as a category: what admins read (no addresses, no ports). */
export type TransportFailure = 'refused' | 'timeout' | 'tls' | 'dns' | 'blocked' | 'network';

/** A failure whose category is already known (the target was blocked, the name did not resolve, the deadline passed). */
export class DeliveryFailure extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryFailure';
  }
}

/** Names that mean this machine, a private zone or a cloud's metadata service, whatever DNS says. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa'];
const METADATA_NAMES = new Set(['metadata', 'metadata.goog', 'metadata.google.internal', 'instance-data', 'instance-data.ec2.internal']);

/** The URL's host and port as WEBHOOK_ALLOWED_TARGETS lists them (`hostname:port`, IPv6 in brackets, default ports filled in). */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** The host to connect to: IPv6 literals without their brackets. */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

function refusedName(hostname: string): string | null {
  const name = hostname.replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) return 'names a cloud metadata service';
  if (LOCAL_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`))) return 'names this machine or a private zone';
  if (!name.includes('.')) return 'is a host name without a domain (it would resolve inside the network)';
  return null;
}

const describeRange = (range: ForbiddenRange) => `a ${range} address`;

export class WebhookTargets {
  private readonly allowed: ReadonlySet<string>;
  private readonly resolver: Resolver | null;

  constructor(options: { allowedTargets: readonly string[]; dnsServers: readonly string[]; timeoutMs: number }) {
    this.allowed = new Set(options.allowedTargets);
    if (options.dnsServers.length > 0) {
      this.resolver = new Resolver({ timeout: Math.min(options.timeoutMs, 5_000), tries: 2 });
      this.resolver.setServers([...options.dnsServers]);
    } else this.resolver = null;
  }

  /** Whether WEBHOOK_ALLOWED_TARGETS exempts this URL from the address rules. */
  isAllowed(url: URL): boolean {
    return this.allowed.has(hostPort(url));
  }

  /**
   * Why a URL may not be registered, or null. Resolves its host (an admin
   * waits for DNS, at most `deadlineMs`): a name that does not resolve is
   * refused too, as nothing could be checked.
   */
  async refusal(url: URL, deadlineMs: number): Promise<string | null> {
    if (this.isAllowed(url)) return null;
    const host = bareHost(url);
    if (isIP(host)) {
      const range = forbiddenRange(host);
      return range ? `is ${describeRange(range)}: webhooks reach public addresses only (list host:port in WEBHOOK_ALLOWED_TARGETS for an on-premises receiver)` : null;
    }
    const byName = refusedName(host);
    if (byName) return `${byName}: webhooks reach public hosts only (list host:port in WEBHOOK_ALLOWED_TARGETS for an on-premises receiver)`;
    let addresses: ResolvedAddress[];
    try {
      addresses = await withDeadline(this.resolve(host), deadlineMs);
    } catch {
      return 'its host name does not resolve (or did not in time): it cannot be checked';
    }
    const range = addresses.map((a) => forbiddenRange(a.address)).find((r) => r !== null);
    return range
      ? `its host name resolves to ${describeRange(range)}: webhooks reach public addresses only (list host:port in WEBHOOK_ALLOWED_TARGETS for an on-premises receiver)`
      : null;
  }

  /**
   * Why a delivery to this URL is blocked before connecting (an IP literal
   * or a refused name; names are checked again as they resolve), or null.
   */
  blockedBeforeConnect(url: URL): DeliveryFailure | null {
    if (this.isAllowed(url)) return null;
    const host = bareHost(url);
    const why = isIP(host) ? forbiddenRange(host) : refusedName(host);
    return why ? new DeliveryFailure('blocked', `the target ${why}`) : null;
  }

  /** Why the address a delivery connected to is blocked, or null: the last check, before anything is sent. */
  blockedConnection(url: URL, remoteAddress: string | undefined): DeliveryFailure | null {
    if (this.isAllowed(url)) return null;
    if (!remoteAddress) return new DeliveryFailure('blocked', 'the connection has no remote address');
    const range = forbiddenRange(remoteAddress);
    return range ? new DeliveryFailure('blocked', `connected to ${describeRange(range)}`) : null;
  }

  /**
   * The `lookup` a delivery's connection uses: resolves the host, refuses
   * the lot if any address is not public (unless the URL is allowed), and
   * hands the connection only addresses that passed.
   */
  lookupFor(url: URL): LookupFunction {
    const allowed = this.isAllowed(url);
    return (hostname, options, callback) => {
      this.resolve(hostname, options.family).then(
        (addresses) => {
          const range = allowed ? null : addresses.map((a) => forbiddenRange(a.address)).find((r) => r !== null);
          if (range) return callback(new DeliveryFailure('blocked', `the host resolves to ${describeRange(range)}`), '', 4);
          if (addresses.length === 0) return callback(new DeliveryFailure('dns', 'the host has no address'), '', 4);
          if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
          return callback(null, addresses[0]!.address, addresses[0]!.family);
        },
        (error: unknown) => callback(new DeliveryFailure('dns', 'the host name did not resolve', { cause: error }), '', 4),
      );
    };
  }

  private resolve(hostname: string, family?: number | string): Promise<ResolvedAddress[]> {
    const wanted = family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : 0;
    if (!this.resolver) {
      return new Promise((resolve, reject) =>
        systemLookup(hostname, { all: true, family: wanted }, (error, addresses) =>
          error ? reject(error) : resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))),
        ),
      );
    }
    const resolver = this.resolver;
    const query = (type: 4 | 6) =>
      new Promise<ResolvedAddress[]>((resolve, reject) =>
        (type === 4 ? resolver.resolve4.bind(resolver) : resolver.resolve6.bind(resolver))(hostname, (error, addresses) =>
          error ? reject(error) : resolve(addresses.map((address) => ({ address, family: type }))),
        ),
      );
    const types: (4 | 6)[] = wanted === 0 ? [4, 6] : [wanted];
    return Promise.allSettled(types.map(query)).then((results) => {
      const found = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      if (found.length > 0) return found;
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      throw failure?.reason ?? new Error('no address');
    });
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('deadline')), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
