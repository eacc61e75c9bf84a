/**
 * Traces, checked against an OTLP/HTTP receiver written here (the exporter
 * sends OTLP's JSON encoding): a span per operation, in the trace of the
 * request's `traceparent`; a span per SQL statement under it (as many as the
 * operation reports running); a span per dispatched event with the shared
 * execution and its statements under it; trace ids in the request's log
 * lines. Off, nothing of OpenTelemetry is imported at all.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { TEST_JWT_SECRET, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';
import { mintToken } from '../src/auth/tokens.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

/** A collector's OTLP/HTTP endpoint: POST /v1/traces, JSON (ExportTraceServiceRequest). */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; serviceNames: Set<string>; contentTypes: Set<string>; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const serviceNames = new Set<string>();
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      // Only the exporter's requests: a port picked free can still receive a stray probe meant for its last user.
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.add(String(req.headers['content-type']));
      const request = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes'> & { attributes?: { key: string; value: OtlpValue }[] })[] }[] }[];
      };
      for (const resource of request.resourceSpans) {
        for (const a of resource.resource.attributes) if (a.key === 'service.name') serviceNames.add(String(a.value.stringValue));
        for (const scope of resource.scopeSpans) {
          for (const span of scope.spans) {
            const attributes: Record<string, unknown> = {};
            for (const a of span.attributes ?? []) attributes[a.key] = a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : (a.value.boolValue ?? a.value.doubleValue));
            spans.push({ ...span, parentSpanId: span.parentSpanId ?? '', attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    serviceNames,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('traces', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let database: TestDatabase;
  let app: App;
  let url: string;
  const lines: Record<string, unknown>[] = [];
  let editor: string;

  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data?: Record<string, never>; errors?: unknown[]; extensions?: { sqlStatements?: number } };
  };
  const flushed = async () => {
    await app.tracing!.flush();
    return receiver.spans;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    database = await createTestDatabase();
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const env = { LOG_LEVEL: 'info', REPORT_SQL_STATEMENTS: 'true', SEED_DEMO: 'false', RATE_LIMIT_MUTATIONS: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'diretta-test' };
    ({ app, url } = await startTestServer(env, database, { log, testDefaults: false }));
    editor = await mintToken(TEST_JWT_SECRET, { role: 'editor', subject: 'tracer', expiresIn: 3600 });
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    await receiver?.close();
  });

  it('gives each operation a span in the trace of its traceparent, and each of its SQL statements a span under it', async () => {
    const created = await gql('mutation { createStory(input: { slug: "traced", title: "Traced", language: "en", status: LIVE }) { story { id } } }', {}, { authorization: `Bearer ${editor}` });
    expect(created.errors).toBeUndefined();
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const read = await gql('query TracedPage { story(slug: "traced") { title entries(first: 5) { edges { node { headline people { name } } } } } stories(first: 3) { edges { node { slug } } } }', {}, {
      traceparent: `00-${traceId}-${parentId}-01`,
    });
    expect(read.errors).toBeUndefined();
    const statements = read.extensions!.sqlStatements!;
    expect(statements).toBeGreaterThan(0);

    const spans = (await flushed()).filter((s) => s.traceId === traceId);
    const operation = spans.find((s) => s.name === 'query TracedPage');
    expect(operation).toBeDefined();
    expect(operation!.parentSpanId).toBe(parentId);
    expect(operation!.kind).toBe(2); // SERVER
    expect(operation!.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'TracedPage', 'diretta.transport': 'http' });
    const sql = spans.filter((s) => s.parentSpanId === operation!.spanId);
    expect(sql).toHaveLength(statements);
    for (const span of sql) {
      expect(span.kind).toBe(3); // CLIENT
      expect(span.attributes['db.system.name']).toBe('postgresql');
      expect(String(span.attributes['db.query.text'])).toMatch(/^\s*(select|with)\b/i);
      expect(span.name).toMatch(/^(SELECT|WITH)$/);
    }
    expect(receiver.serviceNames).toEqual(new Set(['diretta-test']));
    expect([...receiver.contentTypes]).toEqual(['application/json']);

    // The operation's log line carries the same trace.
    const logged = lines.find((l) => l.msg === 'operation' && l.operation === 'TracedPage');
    expect(logged).toMatchObject({ traceId, spanId: operation!.spanId });
    expect(logged!.requestId).toBe(operation!.attributes['diretta.request_id']);
  });

  it('starts a trace of its own for a request without traceparent, and marks a failed operation', async () => {
    const before = receiver.spans.length;
    const failed = await gql('query Missing { story(slug: "no-such-story") { title } }');
    expect(failed.errors).toBeDefined();
    const spans = (await flushed()).slice(before);
    const operation = spans.find((s) => s.name === 'query Missing')!;
    expect(operation.parentSpanId).toBe('');
    expect(operation.attributes['graphql.error.codes']).toBe('NOT_FOUND');
    expect(lines.find((l) => l.msg === 'operation' && l.operation === 'Missing')).toMatchObject({ traceId: operation.traceId });
  });

  it('gives each dispatched event a span, with the shared execution of each distinct subscription and its statements under it', async () => {
    const story = await gql('{ story(slug: "traced") { id } }');
    const storyId = (story.data as unknown as { story: { id: string } }).story.id;
    const client = wsClient(url);
    const stream = collect<{ storyEvents: { sequence: number } }>(client, 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence entry { headline people { name } } } }', { story: storyId });
    const second = wsClient(url);
    const alike = collect(second, 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence entry { headline people { name } } } }', { story: storyId });
    const deadline = Date.now() + 10_000;
    while (app.live.stats().subscribers < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const published = await gql('mutation Publish($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story: storyId, headline: 'Traced entry', body: 'Text.' } }, { authorization: `Bearer ${editor}` });
    expect(published.errors).toBeUndefined();
    const [event] = await stream.waitFor(1);
    await alike.waitFor(1);
    // The dispatch span ends once both subscribers asked for their next event.
    await new Promise((r) => setTimeout(r, 100));
    const spans = await flushed();
    const dispatch = spans.find((s) => s.name === 'dispatch story event' && s.attributes['diretta.event.seq'] !== undefined && s.attributes['diretta.event.kind'] === 'published');
    expect(dispatch).toBeDefined();
    expect(dispatch!.parentSpanId).toBe('');
    expect(dispatch!.attributes['diretta.subscribers']).toBe(2);
    expect(event!.storyEvents.sequence).toBeGreaterThan(0);
    // Two subscribers of one operation: one execution, under the dispatch.
    const executions = spans.filter((s) => s.parentSpanId === dispatch!.spanId);
    expect(executions.map((s) => s.name)).toEqual(['execute subscription Follow']);
    const statements = spans.filter((s) => s.parentSpanId === executions[0]!.spanId);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((s) => s.kind === 3)).toBe(true);
    // The mutation's own statements, in a transaction, are under its span.
    const mutation = spans.find((s) => s.name === 'mutation Publish')!;
    const written = spans.filter((s) => s.parentSpanId === mutation.spanId).map((s) => s.name);
    expect(written).toContain('INSERT');
    stream.stop();
    alike.stop();
    await client.dispose();
    await second.dispose();
  });
});

describe('with tracing off', () => {
  it('loads nothing of OpenTelemetry: only src/observability/otel.ts imports it, and only tracing.ts imports that, on demand', () => {
    const src = join(import.meta.dirname, '../src');
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
    })(src);
    const importing = files.filter((file) => /^import (?!type )[^;]*from '@opentelemetry\//m.test(readFileSync(file, 'utf8'))).map((f) => relative(src, f));
    expect(importing).toEqual(['observability/otel.ts']);
    const otelImporters = files.filter((file) => /(from|import\() *'\.\/otel\.js'/.test(readFileSync(file, 'utf8'))).map((f) => relative(src, f));
    expect(otelImporters).toEqual(['observability/tracing.ts']);
    expect(readFileSync(join(src, 'observability/tracing.ts'), 'utf8')).toMatch(/await import\('\.\/otel\.js'\)/);
  });

  it('has no tracer and installs no hook', async () => {
    const database = await createTestDatabase();
    const { app, config } = await startTestServer({ LOG_LEVEL: 'silent', SEED_DEMO: 'false' }, database, { log: pino({ level: 'silent' }), testDefaults: false });
    try {
      expect(config.tracing).toBeNull();
      expect(app.tracing).toBeNull();
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});
