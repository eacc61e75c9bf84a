/**
 * The docs cannot drift from the server (issue #28): every fenced code block
 * of README.md and docs/*.md is run against a real test server — GraphQL
 * operations over HTTP and graphql-ws, `curl` commands as fetch requests,
 * JSON answers compared with what the server answered — or is marked as not
 * runnable, saying why; a block that is neither fails. The conventions are
 * in docs/README.md ("Samples are tested"). The same test checks the docs'
 * relative links, that docs/configuration.md names every variable
 * src/config.ts reads, and that the README stays a short front door.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { gqlPluckFromCodeStringSync } from '@graphql-tools/graphql-tag-pluck';
import { type DefinitionNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse, validate, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';
import { demoStory } from '../src/seed/demo-story.js';
import type { Role } from '../src/viewer.js';
import { parseCurl, shellCommands } from './helpers/curl.js';
import { type DnsServer, startDnsServer } from './helpers/dns-server.js';
import { mismatches } from './helpers/json-pattern.js';
import { type CodeBlock, anchorsOf, codeBlocks, linksOf } from './helpers/markdown.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';
import { freePort } from '../scripts/edge/processes.js';

const root = join(import.meta.dirname, '..');
const docFiles = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const texts = new Map(docFiles.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
const blocks = docFiles.flatMap((file) => codeBlocks(file, texts.get(file)!));
const where = (block: CodeBlock) => `${block.file}:${block.line}`;

const NOT_RUN_REASONS = new Set(['shell', 'config', 'client', 'output', 'sketch']);
const ATTRIBUTES = new Set(['role', 'expect', 'status', 'not-run', 'answer', 'receiver']);
const ROLES = new Set<Role>(['reader', 'editor', 'admin']);

type Treatment = 'graphql' | 'curl' | 'answer' | 'receiver' | 'not-run';

/** How the test treats a block, or why it cannot (docs/README.md lists the conventions). */
function treatment(block: CodeBlock): Treatment | string {
  const unknown = Object.keys(block.attrs).filter((a) => !ATTRIBUTES.has(a));
  if (unknown.length) return `unknown words on the fence: ${unknown.join(', ')}`;
  if (block.attrs.role !== undefined && !ROLES.has(block.attrs.role as Role)) return `role=${block.attrs.role} is not reader, editor or admin`;
  const reason = block.attrs['not-run'];
  if (reason !== undefined) return NOT_RUN_REASONS.has(reason) ? 'not-run' : `not-run=${reason}: the reason must be one of ${[...NOT_RUN_REASONS].join(', ')}`;
  if (block.lang === 'graphql') return 'graphql';
  if (block.lang === 'sh') return 'curl';
  if (block.lang === 'json' && block.attrs.answer === 'true') return 'answer';
  if (block.lang === 'js' && block.attrs.receiver === 'true') return 'receiver';
  return `a \`\`\`${block.lang || '(no language)'} block that is neither run nor marked not-run=REASON`;
}

describe('every code sample in the docs', () => {
  it('is found (the reader of the docs is not reading nothing)', () => {
    expect(docFiles).toContain('docs/api.md');
    expect(blocks.filter((b) => treatment(b) === 'graphql').length).toBeGreaterThan(40);
    expect(blocks.filter((b) => treatment(b) === 'curl').length).toBeGreaterThan(5);
    expect(blocks.filter((b) => treatment(b) === 'answer').length).toBeGreaterThan(5);
  });

  it('is either run by this test or marked not-run with a reason', () => {
    const problems = blocks.flatMap((block) => {
      const how = treatment(block);
      return ['graphql', 'curl', 'answer', 'receiver', 'not-run'].includes(how) ? [] : [`${where(block)}: ${how}`];
    });
    expect(problems).toEqual([]);
  });

  it('marked as client code: its GraphQL documents validate against the schema', () => {
    const clients = blocks.filter((b) => b.attrs['not-run'] === 'client' && ['ts', 'js', 'tsx'].includes(b.lang));
    const documents = clients.flatMap((block) =>
      gqlPluckFromCodeStringSync(`sample.${block.lang}`, block.body, { skipIndent: true }).map((source) => ({ block, body: source.body })),
    );
    expect(documents.length).toBeGreaterThan(0);
    for (const { block, body } of documents) expect(validate(schema, parse(body)).map((e) => e.message), where(block)).toEqual([]);
  });
});

// ---- Running the samples against a real server ------------------------------------------------------------

const DEMO_STORY_ID = 'U3Rvcnk6MQ==';
const PESKOV = 'UGVyc29uOjE=';
const KIEV = 'UGxhY2U6NA==';

let server: TestServer;
let dns: DnsServer;
const tokens = new Map<Role, string>();

beforeAll(async () => {
  // Webhook hosts of the samples resolve, through a DNS server of the test's own, to a public address; nothing is delivered.
  dns = await startDnsServer({ 'partner.example.com': ['93.184.215.14'], 'hooks.example.org': ['93.184.215.14'] });
  server = await startTestServer({ WEBHOOK_DELIVERY: 'false', WEBHOOK_DNS_SERVERS: dns.server });
  for (const role of ROLES) tokens.set(role, await server.token(role, `docs-${role}`));
});
afterAll(async () => {
  await server?.stop();
  await dns?.close();
});

interface Answer {
  status: number;
  body: unknown;
}

async function graphqlOverHttp(query: string, variables: Record<string, unknown>, role: Role | undefined): Promise<Answer> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(role ? { authorization: `Bearer ${tokens.get(role)}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

/** Runs an editor's or admin's operation for the test's own needs; fails loudly if it does not work. */
async function setUp<T>(role: Role, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { status, body } = await graphqlOverHttp(query, variables, role);
  const { data, errors } = body as { data?: T; errors?: unknown };
  if (status !== 200 || errors || !data) throw new Error(`setting up a sample failed: ${JSON.stringify(body)}`);
  return data;
}

let scenes = 0;

/** Fresh objects for the placeholders an operation names (docs/README.md): one scene per operation. */
async function scene(names: Set<string>): Promise<Map<string, string>> {
  const n = ++scenes;
  const values = new Map<string, string>();
  const needsEntry = names.has('entry id') || names.has('quote id');
  const person = async (slug: string, name: string) =>
    (await setUp<{ createPerson: { person: { id: string } } }>('editor', 'mutation ($slug: String!, $name: String!) { createPerson(input: { slug: $slug, name: $name }) { person { id } } }', { slug, name })).createPerson.person.id;
  if (names.has('story id')) {
    const data = await setUp<{ createStory: { story: { id: string } } }>('editor', 'mutation ($slug: String!) { createStory(input: { slug: $slug, title: "Una storia delle guide", language: "it", status: LIVE }) { story { id } } }', { slug: `storia-guide-${n}` });
    values.set('story id', data.createStory.story.id);
  }
  if (names.has('person id') || needsEntry) values.set('person id', await person(`persona-guide-${n}`, `Persona Guide ${n}`));
  if (names.has('other person id')) values.set('other person id', await person(`altra-persona-guide-${n}`, `Altra Persona Guide ${n}`));
  if (names.has('place id') || needsEntry) {
    const data = await setUp<{ createPlace: { place: { id: string } } }>('editor', 'mutation ($slug: String!, $name: String!) { createPlace(input: { slug: $slug, name: $name, kind: CITY }) { place { id } } }', { slug: `luogo-guide-${n}`, name: `Luogo Guide ${n}` });
    values.set('place id', data.createPlace.place.id);
  }
  if (needsEntry) {
    const data = await setUp<{ createEntry: { entry: { id: string; quotes: { id: string; status: string }[] } } }>(
      'editor',
      'mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id quotes { id status } } } }',
      { input: { story: DEMO_STORY_ID, headline: `Dalle guide ${n}`, body: `Dmitrij Peskov ha detto: «Le trattative proseguono, giorno ${n}».`, people: [values.get('person id')], places: [values.get('place id')] } },
    );
    values.set('entry id', data.createEntry.entry.id);
    const suggested = data.createEntry.entry.quotes.find((q) => q.status === 'SUGGESTED');
    if (names.has('quote id')) {
      if (!suggested) throw new Error(`linking suggested no quote in the scene's entry: ${JSON.stringify(data)}`);
      values.set('quote id', suggested.id);
    }
  }
  if (names.has('draft id')) {
    const data = await setUp<{ createEntry: { entry: { id: string } } }>('editor', 'mutation ($story: ID!) { createEntry(input: { story: $story, headline: "Bozza delle guide", body: "Da confermare.", publish: false }) { entry { id } } }', { story: DEMO_STORY_ID });
    values.set('draft id', data.createEntry.entry.id);
  }
  if (names.has('webhook id')) {
    const data = await setUp<{ createWebhook: { webhook: { id: string } } }>('admin', 'mutation ($url: String!) { createWebhook(input: { url: $url, events: [PUBLISHED] }) { webhook { id } } }', { url: `https://hooks.example.org/guide-${n}` });
    values.set('webhook id', data.createWebhook.webhook.id);
  }
  const unknown = [...names].filter((name) => !values.has(name));
  if (unknown.length) throw new Error(`placeholders the docs test does not know: ${unknown.map((u) => `"<${u}>"`).join(', ')} (docs/README.md lists them)`);
  return values;
}

/** Variables by name (docs/README.md): what an app would send for the demo story. */
function variablesFor(operation: OperationDefinitionNode): Record<string, unknown> {
  const given: Record<string, unknown> = { slug: demoStory.slug, story: DEMO_STORY_ID, id: DEMO_STORY_ID, after: null, first: 5 };
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (name in given) variables[name] = given[name];
    else if (definition.type.kind === Kind.NON_NULL_TYPE && !definition.defaultValue) throw new Error(`$${name}: the docs test gives no value for this variable (docs/README.md lists the names it knows)`);
  }
  return variables;
}

function fragmentsUsed(node: DefinitionNode, fragments: Map<string, FragmentDefinitionNode>, found = new Map<string, FragmentDefinitionNode>()): FragmentDefinitionNode[] {
  visit(node, {
    FragmentSpread(spread) {
      const fragment = fragments.get(spread.name.value);
      if (fragment && !found.has(fragment.name.value)) {
        found.set(fragment.name.value, fragment);
        fragmentsUsed(fragment, fragments, found);
      }
    },
  });
  return [...found.values()];
}

/** Each operation of a block as the text a client sends: the block as written when it holds one, else its own source and its fragments'. */
function operationsOf(block: CodeBlock): { operation: OperationDefinitionNode; text: string }[] {
  const document = parse(block.body);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 1) return [{ operation: operations[0]!, text: block.body }];
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const source = (d: DefinitionNode) => block.body.slice(d.loc!.start, d.loc!.end);
  return operations.map((operation) => ({ operation, text: [operation, ...fragmentsUsed(operation, fragments)].map(source).join('\n') }));
}

const PLACEHOLDER = /"<([a-z ]+)>"/g;

async function fillPlaceholders(text: string): Promise<string> {
  const names = new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!));
  if (names.size === 0) return text;
  const values = await scene(names);
  return text.replace(PLACEHOLDER, (_, name: string) => JSON.stringify(values.get(name)));
}

/** A subscription until its first event: the test publishes into the demo story (a key event naming Peskov and Kiev) until one comes. */
async function firstEvent(query: string, variables: Record<string, unknown>, role: Role | undefined): Promise<Answer> {
  const client = wsClient(server.url, role ? { authorization: `Bearer ${tokens.get(role)}` } : undefined);
  const events = collect(client, query, variables);
  try {
    for (let attempt = 0; attempt < 10 && events.values.length === 0 && events.errors.length === 0 && !events.completed; attempt++) {
      await setUp('editor', 'mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', {
        input: { story: DEMO_STORY_ID, headline: `Per gli abbonati delle guide ${attempt}`, body: 'Un aggiornamento.', keyEvent: true, people: [PESKOV], places: [KIEV] },
      });
      const started = Date.now();
      while (events.values.length === 0 && events.errors.length === 0 && Date.now() - started < 500) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (events.errors.length) return { status: 200, body: { errors: events.errors.flat() } };
    if (!events.values.length) throw new Error('no event arrived after ten publishes');
    return { status: 200, body: { data: events.values[0] } };
  } finally {
    events.stop();
    await client.dispose();
  }
}

async function runGraphql(block: CodeBlock): Promise<Answer> {
  const role = block.attrs.role as Role | undefined;
  let last: Answer | null = null;
  for (const { operation, text } of operationsOf(block)) {
    const query = await fillPlaceholders(text);
    const variables = variablesFor(operation);
    const answer = operation.operation === 'subscription' ? await firstEvent(query, variables, role) : await graphqlOverHttp(query, variables, role);
    const errors = (answer.body as { errors?: { extensions?: { code?: string } }[] }).errors;
    const name = `${where(block)}: ${operation.name?.value ?? operation.operation}`;
    if (block.attrs.expect) expect(errors?.map((e) => e.extensions?.code), `${name} should answer ${block.attrs.expect}: ${JSON.stringify(answer.body)}`).toContain(block.attrs.expect);
    else expect(errors, `${name}: ${JSON.stringify(answer.body)}`).toBeUndefined();
    if (block.attrs.status || !block.attrs.expect) expect(answer.status, name).toBe(Number(block.attrs.status ?? 200));
    last = answer;
  }
  return last!;
}

async function runCurl(block: CodeBlock): Promise<Answer> {
  const variables = { ADMIN_TOKEN: tokens.get('admin')!, EDITOR_TOKEN: tokens.get('editor')!, READER_TOKEN: tokens.get('reader')! };
  let last: Answer | null = null;
  const commands = shellCommands(block.body);
  expect(commands.length, where(block)).toBeGreaterThan(0);
  for (const command of commands) {
    const request = parseCurl(command.replaceAll('<slug>', demoStory.slug), variables);
    const url = request.url.replace(/^http:\/\/localhost:4000/, server.url);
    expect(url, `${where(block)}: samples talk to http://localhost:4000`).not.toBe(request.url);
    for (const [name, value] of Object.entries(request.headers)) {
      if (!value.includes('"<etag>"')) continue;
      const etag = (await fetch(url)).headers.get('etag');
      expect(etag, `${where(block)}: ${url} answers no ETag`).toBeTruthy();
      request.headers[name] = value.replace('"<etag>"', etag!);
    }
    const response = await fetch(url, { method: request.method, headers: request.headers, body: request.body });
    const text = await response.text();
    const json = /json/.test(response.headers.get('content-type') ?? '') ? (JSON.parse(text) as unknown) : text;
    if (block.attrs.status) expect(response.status, `${where(block)}: ${command}`).toBe(Number(block.attrs.status));
    else expect(response.status >= 200 && response.status < 300, `${where(block)}: ${command} answered ${response.status}: ${text.slice(0, 500)}`).toBe(true);
    if (new URL(url).pathname === '/graphql') expect((json as { errors?: unknown }).errors, `${where(block)}: ${command}`).toBeUndefined();
    last = { status: response.status, body: json };
  }
  return last!;
}


/**
 * A webhook receiver as the docs write it: run as a Node program of its own, given a webhook's secret,
 * and delivered to by a real server of its own (this one delivers nothing); it must acknowledge the
 * delivery (204, so the signature checked out) and refuse a request whose signature does not.
 */
async function runReceiver(block: CodeBlock): Promise<void> {
  const port = await freePort();
  const delivering = await startTestServer({ WEBHOOK_ALLOWED_TARGETS: `127.0.0.1:${port}`, WEBHOOK_BACKOFF_BASE_MS: '50', WEBHOOK_POLL_INTERVAL_MS: '50' });
  let receiver: ChildProcess | null = null;
  try {
    const admin = { authorization: `Bearer ${await delivering.token('admin')}` };
    const created = await delivering.gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(
      'mutation ($url: String!, $story: ID!) { createWebhook(input: { url: $url, story: $story, events: [PUBLISHED] }) { secret webhook { id } } }',
      { url: `http://127.0.0.1:${port}/diretta`, story: DEMO_STORY_ID },
      admin,
    );
    expect(created.errors, where(block)).toBeUndefined();
    const { secret, webhook } = created.data!.createWebhook;
    const output: string[] = [];
    receiver = spawn(process.execPath, ['--input-type=module', '-e', block.body], { cwd: root, env: { ...process.env, PORT: String(port), DIRETTA_WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    receiver.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    receiver.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const receiverUrl = `http://127.0.0.1:${port}/diretta`;
    const answers = async (init: RequestInit) => fetch(receiverUrl, init).then((r) => r.status, () => null);
    for (let i = 0; i < 100 && (await answers({ method: 'POST', body: '{}' })) === null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await answers({ method: 'POST', headers: { 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' }, body: '{}' }), `${where(block)}: a forged delivery: ${output.join('')}`).toBe(400);
    const published = await delivering.edit('mutation { createEntry(input: { story: "U3Rvcnk6MQ==", headline: "Per il ricevitore", body: "Consegnato." }) { entry { id } } }');
    expect(published.errors).toBeUndefined();
    type Delivery = { lastStatus: number | null; deliveredAt: string | null; errorKind: string | null; attempts: number } | null;
    let last: Delivery = null;
    for (let i = 0; i < 200 && !last?.deliveredAt; i++) {
      const state = await delivering.gql<{ node: { lastDelivery: Delivery } }>('query ($id: ID!) { node(id: $id) { ... on Webhook { lastDelivery { lastStatus deliveredAt errorKind attempts } } } }', { id: webhook.id }, admin);
      last = state.data!.node.lastDelivery;
      if (!last?.deliveredAt) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(last, `${where(block)}: the receiver's output: ${output.join('')}`).toMatchObject({ lastStatus: 204, attempts: 1 });
    expect(last!.deliveredAt).not.toBeNull();
  } finally {
    receiver?.kill();
    await delivering.stop();
  }
}

describe.each(docFiles)('the samples of %s', (file) => {
  it('run against a real server as documented', async () => {
    let last: Answer | null = null;
    for (const block of blocks.filter((b) => b.file === file)) {
      const how = treatment(block);
      if (how === 'graphql') last = await runGraphql(block);
      else if (how === 'curl') last = await runCurl(block);
      else if (how === 'receiver') await runReceiver(block);
      else if (how === 'answer') {
        expect(last, `${where(block)}: an answer with no run sample before it`).not.toBeNull();
        let pattern: unknown;
        expect(() => (pattern = JSON.parse(block.body)), `${where(block)}: not JSON`).not.toThrow();
        expect(mismatches(pattern, last!.body), `${where(block)}: the server answered ${JSON.stringify(last!.body)}`).toEqual([]);
      }
    }
  });
});

// ---- Links, configuration, the front door ------------------------------------------------------------------

describe('the docs', () => {
  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of docFiles) {
      for (const { line, target } of linksOf(texts.get(file)!)) {
        if (/^[a-z]+:/i.test(target)) continue;
        checked++;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        if (!existsSync(join(root, resolved))) {
          broken.push(`${file}:${line}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md')) {
          const text = texts.get(resolved) ?? readFileSync(join(root, resolved), 'utf8');
          if (!anchorsOf(text).has(anchor)) broken.push(`${file}:${line}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(broken).toEqual([]);
  });

  it('give every variable src/config.ts reads a row in docs/configuration.md', () => {
    const source = readFileSync(join(root, 'src/config.ts'), 'utf8');
    const envSchema = source.slice(source.indexOf('const envSchema = z.object({'), source.indexOf('\n});', source.indexOf('const envSchema = z.object({')));
    const variables = [...envSchema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(variables).toContain('DATABASE_URL');
    expect(variables.length).toBeGreaterThan(60);
    const rows = texts.get('docs/configuration.md')!.split('\n').filter((line) => line.startsWith('| `'));
    const documented = new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));
    expect(variables.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('keep the README a front door: short, and linking every guide', () => {
    const readme = texts.get('README.md')!;
    expect(readme.split('\n').length).toBeLessThanOrEqual(260);
    const linked = new Set(linksOf(readme).map((l) => l.target.split('#')[0]));
    expect(docFiles.filter((f) => f.startsWith('docs/') && !linked.has(f))).toEqual([]);
  });
});
