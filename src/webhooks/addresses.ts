/**
 * Which IP addresses a webhook may never reach: everything that is not a
 * public unicast address (loopback, private, link-local with the cloud
 * metadata services, shared CGNAT space, unspecified, multicast, reserved,
 * documentation and benchmarking ranges), also when an IPv4 address hides in
 * an IPv6 one (mapped, compatible, translated, NAT64, 6to4). IPv6 outside
 * 2000::/3 (global unicast) is refused whole, so a range nobody listed here
 * is refused rather than let through.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is refused, as an admin reads it (never with the address itself). */
export type ForbiddenRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local (cloud metadata)'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'an IPv6 tunnel';

/** [first address, prefix length, why]. */
const IPV4_RANGES: readonly (readonly [string, number, ForbiddenRange])[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  // IETF protocol assignments: also Oracle Cloud's metadata (192.0.0.192).
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  // 240/4 is reserved; 255.255.255.255 (broadcast) is inside it.
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Range(value: number): ForbiddenRange | null {
  for (const [first, bits, why] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = ipv4Number(first);
    if (value >= start && value < start + size) return why;
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or null if it is not one. */
export function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/%.*$/, '').toLowerCase();
  if (!isIPv6(text)) return null;
  // A trailing dotted IPv4 part counts as two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Number(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

function ipv6Range(g: number[]): ForbiddenRange | null {
  const embedded = (hi: number, lo: number) => ipv4Range(hi * 65536 + lo);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), ::ffff:0:a.b.c.d (translated): the IPv4 address decides.
  if (zeroUpTo(5) && g[5] === 0xffff) return embedded(g[6]!, g[7]!);
  if (zeroUpTo(6)) return embedded(g[6]!, g[7]!) ?? 'reserved';
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return embedded(g[6]!, g[7]!);
  // NAT64's well-known prefix 64:ff9b::/96 reaches the IPv4 address it embeds; 64:ff9b:1::/48 is local NAT64.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private';
  // 6to4 (2002::/16) reaches the IPv4 address in its next 32 bits.
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!);
  const first = g[0]!;
  if (first >= 0xff00) return 'multicast';
  if (first >= 0xfe80 && first <= 0xfebf) return 'link-local (cloud metadata)';
  // fec0::/10, site-local, deprecated but still private.
  if (first >= 0xfec0 && first <= 0xfeff) return 'private';
  // fc00::/7, unique local addresses (AWS's metadata at fd00:ec2::254 among them).
  if (first >= 0xfc00 && first <= 0xfdff) return 'private';
  if (first < 0x2000 || first > 0x3fff) return 'reserved';
  if (first === 0x2001 && g[1] === 0x0db8) return 'documentation';
  // Teredo (2001::/32) tunnels to an IPv4 address it hides.
  if (first === 0x2001 && g[1] === 0) return 'an IPv6 tunnel';
  if (first === 0x3fff && g[1]! <= 0x0fff) return 'documentation';
  return null;
}

/** Why a webhook may not reach this address, or null when it is a public unicast one. Not an IP address at all: 'reserved'. */
export function forbiddenRange(address: string): ForbiddenRange | null {
  if (isIPv4(address)) return ipv4Range(ipv4Number(address));
  const groups = ipv6Groups(address);
  return groups ? ipv6Range(groups) : 'reserved';
}
