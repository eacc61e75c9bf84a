/** The reader's pages and scripts travel gzipped to clients that accept it, and plain to those that do not. */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

/** node:http, not fetch: fetch would decompress and hide what travelled. */
function get(path: string, acceptEncoding?: string): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('gzips the story page, the live script and the embed script when asked, and only then', async () => {
  const sizes: string[] = [];
  for (const path of [`/live/${demoStory.slug}`, '/assets/live-page.js', '/embed.js']) {
    const plain = await get(path);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get(path, 'gzip, deflate, br');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('accept-encoding');
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
    const unzipped = gunzipSync(zipped.body);
    // A page is rendered per request (its times move); scripts are the same bytes.
    if (path.startsWith('/live/')) expect(unzipped.toString()).toContain('<html');
    else expect(unzipped.equals(plain.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    sizes.push(`${path}: ${plain.body.length} B → ${zipped.body.length} B gzipped`);
  }
  console.log(`compression: ${sizes.join('; ')}`);
});
