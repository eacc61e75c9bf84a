/**
 * The API's listening socket holds a storm's worth of connections until it
 * accepts them (src/app.ts, LISTEN_BACKLOG): with Node's default of 511 the
 * kernel dropped readers of a 30,000-reader storm silently. Read back from
 * the kernel (`ss`: a listening socket's Send-Q is its backlog), capped as
 * the kernel caps it, by net.core.somaxconn.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

const ss = ['/usr/bin/ss', '/bin/ss', '/usr/sbin/ss'].find((path) => existsSync(path));
const somaxconn = existsSync('/proc/sys/net/core/somaxconn') ? Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')) : Number.NaN;
const unavailable = !ss ? 'no ss (iproute2) to read the socket back' : Number.isNaN(somaxconn) ? 'no /proc/sys/net/core/somaxconn' : null;
if (unavailable) console.log(`[listen-backlog] skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('the listening socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('holds up to 4,096 connections not yet accepted (as far as the kernel allows), not Node\'s 511', () => {
    const port = new URL(server.url).port;
    const line = execFileSync(ss!, ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
    const [, , backlog] = line.split(/\s+/);
    expect(Number(backlog)).toBe(Math.min(4_096, somaxconn));
  });
});
