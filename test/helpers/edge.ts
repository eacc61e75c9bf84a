/** For the edge tests: publishing through the API, and a loopback HTTP server that records purges. */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { documentHash } from '../../src/plugins/trusted-documents.js';
import type { TestServer } from './server.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface PurgeReceiver {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests with these statuses in turn, then 200. */
  failNext(statuses: number[]): void;
  /** Answers every request with 500 until called with false. */
  failAll(failing: boolean): void;
  close(): Promise<void>;
}

/** Stands in for Varnish, Fastly's API or a generic purger on 127.0.0.1: records each request and answers 200 (or as told). */
export async function startPurgeReceiver(): Promise<PurgeReceiver> {
  const requests: RecordedRequest[] = [];
  const plan: number[] = [];
  let failing = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = plan.shift() ?? (failing ? 500 : 200);
      requests.push({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"msg":"failed"}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (statuses) => plan.push(...statuses),
    failAll: (value) => void (failing = value),
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** The keys of a recorded purge (Surrogate-Key, or Varnish's xkey headers). */
export function purgedKeys(request: RecordedRequest): string[] {
  const header = request.headers['surrogate-key'] ?? request.headers['xkey-softpurge'] ?? request.headers['xkey-purge'];
  return String(header ?? '').split(/[\s,]+/).filter(Boolean);
}

export async function storyId(server: TestServer, slug: string): Promise<string> {
  const res = await server.gql<{ story: { id: string } }>('query ($slug: String!) { story(slug: $slug) { id } }', { slug });
  expect(res.errors).toBeUndefined();
  return res.data!.story.id;
}

export async function publishEntry(server: TestServer, story: string, headline: string, publish = true): Promise<string> {
  const res = await server.edit<{ createEntry: { entry: { id: string } } }>('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', {
    input: { story, headline, body: `Body of ${headline}`, publish },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.createEntry.entry.id;
}

/** The URL of a GraphQL GET of a trusted document by its hash. */
export function persistedUrl(base: string, document: string, variables: Record<string, unknown>): string {
  const url = new URL('/graphql', base);
  url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: documentHash(document) } }));
  url.searchParams.set('variables', JSON.stringify(variables));
  return url.toString();
}
