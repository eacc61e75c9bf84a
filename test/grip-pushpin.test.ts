/**
 * Diretta as a GRIP backend behind a real Pushpin (Debian's pushpin with
 * condure and zurl, started by scripts/edge/pushpin.ts on private ports and
 * a private directory): readers' SSE streams of storyEvents are held by
 * Pushpin, every message carries its cursor as `id:`, a reader resumes with
 * Last-Event-ID with nothing lost or repeated, the API keeps no socket and
 * no subscriber for held readers, and (on PostgreSQL, where two instances
 * share a database) restarting both API instances one after the other
 * disconnects no reader and loses no event. Skips, saying why, where
 * Pushpin is not installed.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/db/client.js';
import { demoStory } from '../src/seed/demo-story.js';
import { decodeEventCursor } from '../src/live/event-cursor.js';
import { type RunningPushpin, pushpinUnavailable, startPushpin } from '../scripts/edge/pushpin.js';
import { freePort } from '../scripts/edge/processes.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { publishEntry, storyId } from './helpers/edge.js';
import { type HeldReader, readHeld } from './helpers/grip-reader.js';
import { type TestDatabase, componentTestsRunHere, createTestDatabase, databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { until } from './helpers/webhook-receiver.js';

const unavailable = pushpinUnavailable();
const slug = demoStory.slug;

const TICKER = `subscription Ticker($story: ID!, $after: String) {
  storyEvents(story: $story, after: $after) { cursor sequence kind entry { id headline } }
}`;
interface TickerEvent {
  storyEvents: { cursor: string; sequence: number; kind: string; entry: { id: string; headline: string } | null };
}

/** The sequence numbers a reader received, in order. */
function sequences(reader: HeldReader<TickerEvent>) {
  return reader.values().map((v) => v.storyEvents.sequence);
}
const run = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
/** A line per reader for a failure message: its status, what it received and why it ended. */
const readerLines = (readers: HeldReader<TickerEvent>[]) =>
  readers.map((r, i) => `reader ${i}: status ${r.status}, ${r.raw.length} B, sequences ${JSON.stringify(sequences(r))}${r.endedBy ? `, ended: ${r.endedBy}` : ''}`);

describe.skipIf(unavailable !== null || !componentTestsRunHere)(`GRIP: readers held by Pushpin${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let database: TestDatabase;
  let api: TestServer;
  let pushpin: RunningPushpin;
  let story: string;
  let startSequence: number;
  let startCursor: string;
  const readers: HeldReader<TickerEvent>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const controlPort = await freePort();
    const apiPort = await freePort();
    const key = randomBytes(18).toString('base64url');
    api = await startTestServer({ PORT: String(apiPort), GRIP_URL: `http://127.0.0.1:${controlPort}`, GRIP_KEY: key }, database);
    pushpin = await startPushpin({ backendPorts: [apiPort], controlPort, key });
    story = await storyId(api, slug);
    const res = await api.gql<{ story: { eventCursor: string } }>('query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug });
    startCursor = res.data!.story.eventCursor;
    startSequence = decodeEventCursor(startCursor)!.seq;
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await pushpin?.stop();
    await api?.stop();
    await database?.drop();
  });

  /** Rethrows a timeout with what each reader saw, the API's holds and Pushpin's logs: enough to tell where a reader stopped. */
  const explain = (watched: HeldReader<TickerEvent>[]) => (error: Error) => {
    throw new Error(`${error.message}; the API answered ${api.app.grip?.holds ?? 0} holds\n${readerLines(watched).join('\n')}\n${pushpin.logTail(30)}`);
  };

  const open = (lastEventId?: string | null, after: string | null = startCursor) => {
    const reader = readHeld<TickerEvent>(pushpin.url, TICKER, { story, after }, lastEventId);
    readers.push(reader);
    return reader;
  };

  it('holds readers in Pushpin: live events arrive with their cursor as id, and the API keeps no response open and no subscriber for them', async () => {
    const responding = new Set<ServerResponse>();
    const track = (_: IncomingMessage, res: ServerResponse) => {
      responding.add(res);
      res.once('close', () => responding.delete(res));
    };
    api.app.server.on('request', track);
    onTestFinished(() => void api.app.server.off('request', track));
    const held = Array.from({ length: 20 }, () => open());
    await until('Pushpin to hold 20 readers', () => (api.app.grip?.holds ?? 0) >= 20 && held.every((r) => r.status === 200)).catch(explain(held));
    for (let i = 1; i <= 3; i++) await publishEntry(api, story, `Held ${i}`);
    await until('every held reader to receive 3 events', () => held.every((r) => r.values().length >= 3)).catch(explain(held));
    for (const reader of held) {
      expect(sequences(reader)).toEqual(run(startSequence + 1, 3));
      // Every message's id is the cursor of the event it carries.
      for (const message of reader.messages.filter((m) => m.data)) expect(message.id).toBe(message.data!.storyEvents.cursor);
      expect(reader.endedBy).toBeNull();
    }
    // Nothing of the readers is in the API: no subscriber, and no response under way (zurl keeps a pool of
    // idle connections to it, up to one per reader that came at once: those are not the readers').
    expect(api.app.live.stats().subscribers).toBe(0);
    await until('no response of the API under way', () => responding.size === 0);
    for (const reader of held) reader.close();
  });

  it('resumes a reader with Last-Event-ID: what it missed, then live events, nothing lost or repeated', async () => {
    const first = open(null, null);
    await until('the reader to be held', () => first.status === 200).catch(explain([first]));
    await publishEntry(api, story, 'Before the drop 1');
    await publishEntry(api, story, 'Before the drop 2');
    await until('two events', () => first.values().length >= 2).catch(explain([first]));
    const seen = sequences(first);
    const lastId = first.lastId;
    first.close();
    await publishEntry(api, story, 'While away 1');
    await publishEntry(api, story, 'While away 2');
    // The query still says `after: <where the page started>`: Last-Event-ID wins.
    const again = open(lastId);
    await until('the missed events', () => again.values().length >= 2).catch(explain([again]));
    await publishEntry(api, story, 'Back live');
    await until('the live event', () => again.values().length >= 3).catch(explain([again]));
    const all = [...seen, ...sequences(again)];
    expect(all).toEqual(run(seen[0]!, 5));
    expect(again.values().map((v) => v.storyEvents.entry?.headline)).toEqual(['While away 1', 'While away 2', 'Back live']);
  });

  it.skipIf(browserUnavailable() !== null)(`serves the story page through Pushpin, which follows the held stream and says Live${browserUnavailable() ? ` (skipped: ${browserUnavailable()})` : ''}`, async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const holds = api.app.grip!.holds;
      await page.goto(`${pushpin.url}/live/${slug}`);
      await page.waitForSelector('[data-slot="connection"][data-connection="live"]', { timeout: 15_000 });
      await publishEntry(api, story, 'Seen through Pushpin');
      await page.waitForSelector('text=Seen through Pushpin', { timeout: 15_000 });
      // The page's stream was held (by Pushpin), not served: no WebSocket, no subscriber in the API.
      expect(api.app.grip!.holds).toBeGreaterThan(holds);
      expect(api.app.websockets.stats().connections).toBe(0);
      expect(api.app.live.stats().subscribers).toBe(0);
    } finally {
      await browser.close();
    }
  });

  it('sends a reader that missed a publish back to the API, which answers with what it missed (prev-id)', async () => {
    const reader = open(null, null);
    await until('the reader to be held', () => reader.status === 200).catch(explain([reader]));
    await publishEntry(api, story, 'Chain 1');
    await until('one event', () => reader.values().length >= 1).catch(explain([reader]));
    // The publisher stops; two events commit; a publish of the second alone reaches Pushpin (the first was "lost").
    await api.app.gripPublisher!.stop();
    await publishEntry(api, story, 'Chain 2 (lost)');
    await publishEntry(api, story, 'Chain 3');
    const res = await api.gql<{ story: { eventCursor: string } }>('query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug });
    const last = decodeEventCursor(res.data!.story.eventCursor)!;
    // Every reader of this document and story shares one channel (the cursor is not part of it).
    const [channel] = await queryRows<{ id: string }>(api.app.database.db, sql`select id from grip_channels where query = ${TICKER}`);
    const lone = { channel: channel!.id, id: res.data!.story.eventCursor, 'prev-id': Buffer.from(`${last.storyId}:${last.seq - 1}:p`).toString('base64url'), formats: { 'http-stream': { content: `id: ${res.data!.story.eventCursor}\nevent: next\ndata: {"data":{"storyEvents":{"cursor":"x","sequence":-1,"kind":"published","entry":null}}}\n\n` } } };
    await fetch(`${pushpin.controlUrl}/publish/`, { method: 'POST', body: JSON.stringify({ items: [lone] }) });
    // Pushpin waits for the missing one, then asks the API (Grip-Link, Grip-Last) and writes what it answers.
    await until('the reader to recover both events', () => reader.values().length >= 3, 20_000).catch(explain([reader]));
    expect(reader.values().map((v) => v.storyEvents.entry?.headline)).toEqual(['Chain 1', 'Chain 2 (lost)', 'Chain 3']);
    expect(reader.endedBy).toBeNull();
  });
});

describe.skipIf(unavailable !== null || !componentTestsRunHere)(`GRIP: Pushpin's readiness${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('is not taken as ready until it can hold a request: with its handler up but never connected to the proxy, start gives up', async () => {
    // As just after a start, before the handler has connected to the proxy's accept socket: the proxy answers
    // requests and the handler its control API (what the old readiness check asked), but every hold is refused
    // (500 "Accept service unavailable."), and a reader refused so is lost.
    const settings = { handler: { proxy_accept_spec: 'ipc://{rundir}/{ipc_prefix}accept-unconnected' } };
    const outcome = await startPushpin({ backendPorts: [await freePort()], settings, readyTimeoutMs: 3_000 }).then(
      async (pushpin) => {
        await pushpin.stop();
        return 'taken as ready';
      },
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/timed out waiting for Pushpin/);
  });
});

describe.skipIf(unavailable !== null || databaseKind !== 'postgres')(
  `GRIP: a rolling restart of two API instances behind Pushpin${unavailable ? ` (skipped: ${unavailable})` : databaseKind !== 'postgres' ? ' (skipped: two instances share a PostgreSQL database; run with TEST_DATABASE_URL)' : ''}`,
  () => {
    let database: TestDatabase;
    let instances: (TestServer | null)[] = [];
    let ports: number[] = [];
    let pushpin: RunningPushpin;
    let env: Record<string, string>;
    const readers: HeldReader<TickerEvent>[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      const controlPort = await freePort();
      ports = [await freePort(), await freePort()];
      const key = randomBytes(18).toString('base64url');
      env = { GRIP_URL: `http://127.0.0.1:${controlPort}`, GRIP_KEY: key };
      instances = [await startTestServer({ ...env, PORT: String(ports[0]) }, database), await startTestServer({ ...env, PORT: String(ports[1]) }, database)];
      pushpin = await startPushpin({ backendPorts: ports, controlPort, key });
    });
    afterAll(async () => {
      for (const reader of readers) reader.close();
      await pushpin?.stop();
      for (const instance of instances) await instance?.stop();
      await database?.drop();
    });

    it('restarts every instance, one after the other, while readers are held: none is disconnected, none loses an event', async () => {
      const writer = () => instances.find((i) => i !== null)!;
      const story = await storyId(writer(), slug);
      const res = await writer().gql<{ story: { eventCursor: string } }>('query ($slug: String!) { story(slug: $slug) { eventCursor } }', { slug });
      const after = res.data!.story.eventCursor;
      const first = decodeEventCursor(after)!.seq + 1;
      for (let i = 0; i < 10; i++) readers.push(readHeld<TickerEvent>(pushpin.url, TICKER, { story, after }));
      await until('10 readers held', () => readers.every((r) => r.status === 200));
      let published = 0;
      const publish = async () => {
        published++;
        await publishEntry(writer(), story, `Rolling ${published}`);
      };
      for (let i = 0; i < 3; i++) await publish();
      for (const index of [0, 1]) {
        const stopping = instances[index]!;
        instances[index] = null;
        await stopping.stop();
        // While it is down: events go on (written and published through the other).
        for (let i = 0; i < 3; i++) await publish();
        instances[index] = await startTestServer({ ...env, PORT: String(ports[index]) }, database);
        for (let i = 0; i < 3; i++) await publish();
      }
      // A safety net, not a timing: a held reader that had to ask again (a prev-id it did not expect) while its
      // instance was restarting is retried by Pushpin after 1, 2, 4, 8 and 16 s (src/handler/httpsession.cpp), so
      // on a loaded machine it may catch up only after some 30 s, without losing anything.
      await until(`every reader to receive all ${published} events`, () => readers.every((r) => r.values().length >= published), 60_000).catch((error: Error) => {
        // Which readers miss what, and where the publisher stands: enough to tell a lost publish from a stuck reader.
        const publishers = instances.map((i, n) => `instance ${n}: ${i ? `published ${i.app.gripPublisher!.published}, failed ${i.app.gripPublisher!.failed}` : 'down'}`);
        throw new Error(`${error.message}; expected ${JSON.stringify(run(first, published))}\n${[...readerLines(readers), ...publishers].join('\n')}\n${pushpin.logTail(30)}`);
      });
      for (const reader of readers) {
        expect(reader.endedBy).toBeNull();
        expect(sequences(reader)).toEqual(run(first, published));
      }
    }, 120_000);
  },
);
