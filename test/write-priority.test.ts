/**
 * Editors before readers: while a request with a token is in flight,
 * anonymous requests wait, and are all answered once it has ended. An
 * editor's request is held open (its body not yet sent) to make "in flight"
 * last as long as the test needs; counted, never timed.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  // Held for as long as the editor's request runs (the default lets readers go after 100 ms).
  server = await startTestServer({ SEED_DEMO: 'false', WRITE_PRIORITY_MAX_HOLD_MS: '10000', RESPONSE_CACHE_TTL_MS: '0' });
});
afterAll(() => server?.stop());

const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('write priority', () => {
  it("holds anonymous requests while an editor's request runs, then answers every one", async () => {
    const token = await server.token('editor');
    const body = JSON.stringify({ query: 'mutation { createStory(input: { slug: "held", title: "Held", language: "en" }) { story { slug } } }' });
    const { port } = new URL(server.url);
    let editorAnswer = '';
    let releaseEditor = () => {};
    const editorDone = new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.on('data', (chunk: Buffer) => (editorAnswer += chunk.toString()));
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      // Headers now, body later: the editor's request is in flight meanwhile.
      req.flushHeaders();
      releaseEditor = () => req.end(body);
    });
    await until(() => server.app.writePriority.writersInFlight === 1);
    expect(server.app.writePriority.writersInFlight).toBe(1);

    const before = server.app.writePriority.heldCount;
    let answered = 0;
    const reads = Array.from({ length: 5 }, () => server.gql('{ stories(first: 1) { edges { node { slug } } } }').then((res) => (answered++, res)));
    await until(() => server.app.writePriority.heldCount === before + 5);
    expect(server.app.writePriority.heldCount).toBe(before + 5);
    expect(answered).toBe(0);

    releaseEditor();
    await editorDone;
    expect((JSON.parse(editorAnswer) as { data: unknown }).data).toEqual({ createStory: { story: { slug: 'held' } } });
    const results = await Promise.all(reads);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // An anonymous request with no editor's in flight is not held.
    await server.gql('{ stories(first: 1) { edges { node { slug } } } }');
    expect(server.app.writePriority.heldCount).toBe(before + 5);
  });
});
