/**
 * A real DNS server over UDP on loopback, for webhook tests that need names
 * (DNS rebinding, a name that stops resolving, a name resolving to a private
 * address): the server under test resolves through it with
 * `WEBHOOK_DNS_SERVERS: dns.server`. It answers A and AAAA queries from
 * `records` (which a test changes between two lookups), with TTL 0 so
 * nothing is cached, and NXDOMAIN for names it does not know.
 */
import { type Socket, createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ipv6Groups } from '../../src/webhooks/addresses.js';

export interface DnsServer {
  /** `127.0.0.1:<port>`, for WEBHOOK_DNS_SERVERS. */
  server: string;
  /** Name (lower case, no trailing dot) → addresses (IPv4 and IPv6 alike). */
  records: Map<string, string[]>;
  /** Queries answered so far, by name. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (message[at]! !== 0) {
    const length = message[at]!;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  const bytes = Buffer.alloc(16);
  ipv6Groups(address)!.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}

function answer(query: Buffer, records: Map<string, string[]>, queries: string[]): Buffer {
  const { name, end } = readName(query, 12);
  const type = query.readUInt16BE(end);
  queries.push(name);
  const known = records.get(name);
  const addresses = (known ?? []).filter((a) => (type === TYPE_A ? isIPv4(a) : type === TYPE_AAAA ? !isIPv4(a) : false));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // A response, recursion desired and available; NXDOMAIN (3) for an unknown name.
  header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const question = query.subarray(12, end + 4);
  const answers = addresses.map((address) => {
    const data = addressBytes(address);
    const record = Buffer.alloc(12);
    // A pointer to the name in the question, the type, class IN, TTL 0, the data's length.
    record.writeUInt16BE(0xc00c, 0);
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(0, 6);
    record.writeUInt16BE(data.length, 10);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([header, question, ...answers]);
}

export async function startDnsServer(records: Record<string, string[]> = {}): Promise<DnsServer> {
  const table = new Map(Object.entries(records));
  const queries: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    try {
      socket.send(answer(message, table, queries), remote.port, remote.address);
    } catch {
      // A malformed query gets no answer, as from a real server that drops it.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    records: table,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
