/** What the scripts that start an edge component (Varnish, Pushpin) share: private ports, and waiting on their processes. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where the kernel picks the local ports of outgoing connections (Linux), so
 * that freePort stays out of it: a port the kernel picked for a listener a
 * moment ago can be handed to a client's connection before the process meant
 * to listen on it has started (seconds, for a server under tsx), which then
 * fails with EADDRINUSE.
 */
function ephemeralLow(): number | null {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return low > 11_000 ? low : null;
  } catch {
    return null; // not Linux: the kernel's own choice below
  }
}

/** Ports this process has handed out: not handed out twice, even once their first user has let them go. */
const handedOut = new Set<number>();

function listensOn(port: number): Promise<number | null> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/** A port nobody listens on now, below the kernel's range for outgoing connections where there is room. */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; low !== null && attempt < 50; attempt++) {
    const candidate = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (handedOut.has(candidate)) continue;
    if ((await listensOn(candidate)) !== null) {
      handedOut.add(candidate);
      return candidate;
    }
  }
  const port = await listensOn(0);
  if (port === null) throw new Error('no free port on 127.0.0.1');
  handedOut.add(port);
  return port;
}

/** Whether the process of this id still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check` holds, polling every 20 ms, or throws after `timeoutMs` (a safety net, not a timing assertion). */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
