/**
 * SIGTERM: stop accepting, finish in-flight requests, close WebSockets with
 * 1001 so that clients reconnect elsewhere and resume, end SSE streams with
 * their `complete` event, exit within the deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { TEST_JWT_SECRET } from './helpers/server.js';

// Made when the test runs, not when the file loads: the projects that skip it (PostgreSQL, faults) would
// otherwise leave an empty directory behind, since a file whose tests are all skipped runs no afterAll.
// A copy of the run's seeded template: the process still runs its migrations and its seeding at start,
// finding them done, as on any restart, without building a cluster from nothing (most of this file's time).
let database: TestDatabase | null = null;
let dataDir = '';

async function startProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '5000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const url = /"url":"(http:[^"]+)\/graphql"/.exec(line)?.[1];
    if (url) return { child, url };
  }
  throw new Error('the server exited before listening');
}

describe.runIf(databaseKind === 'pglite')('graceful shutdown', () => {
  beforeAll(async () => {
    database = await createTestDatabase('seeded');
    dataDir = database.dataDir;
  });
  afterAll(() => database?.drop());

  it('finishes in-flight requests, closes sockets with 1001, ends SSE streams and exits 0', async () => {
    const { child, url } = await startProcess();
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;

    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await once(socket, 'message');

    // A reader following the demo story over SSE: its stream must end, not hold the server open.
    const storyRes = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ stories(first: 1) { edges { node { id } } } }' }) });
    const storyId = ((await storyRes.json()) as { data: { stories: { edges: { node: { id: string } }[] } } }).data.stories.edges[0]!.node.id;
    const follow = `subscription ($story: ID!) { storyEvents(story: $story) { sequence } }`;
    const sse = await fetch(`${url}/graphql?query=${encodeURIComponent(follow)}&variables=${encodeURIComponent(JSON.stringify({ story: storyId }))}`, { headers: { accept: 'text/event-stream' } });
    const sseText = (async () => {
      let text = '';
      const reader = sse.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += Buffer.from(r.value).toString();
      return text;
    })();

    // An in-flight request: headers sent, body not yet complete when SIGTERM arrives.
    const body = JSON.stringify({ query: '{ stories { edges { node { slug } } } }' });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 100);
    });

    const started = Date.now();
    expect(await closed).toBe(1001);
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(answered.text).toContain('"slug"');
    expect(await sseText).toContain('event: complete');
    const [code] = await exited;
    expect(code).toBe(0);
    console.log(`shutdown: SIGTERM to exit in ${Date.now() - started - 100} ms with a WebSocket, an SSE stream and a request in flight (the request's body is held back 300 ms on purpose)`);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
