/**
 * Publishes every public story event to the GRIP channels readers are held
 * on (./grip.ts), once per channel, to every GRIP endpoint (GRIP_URL: each
 * Pushpin's control URL, or Fastly's publishing endpoint), in sequence
 * order, driven by the event log.
 *
 * It is the outbox pattern of the webhook deliverer and the purge drainer
 * (src/webhooks/outbox-loop.ts), with the log itself as the outbox: each
 * channel's row (grip_channels) records the public sequence number it has
 * been published up to, and a round publishes what lies beyond it. A NOTIFY
 * of a committed event wakes it; a timer catches up what an instance that
 * died, or a publish that failed, left behind. A round takes the one lease
 * (grip_publish_state, as edge_purge_state), so that one instance at a time
 * publishes, in order; another takes over when the lease runs out. An event
 * published twice — a round cut short after the proxies took it, a lease
 * taken over — carries the same id, and the proxy drops the repeat.
 *
 * Each event goes out as one request per endpoint holding an item per
 * channel of the story: `id` = the event's cursor, `prev-id` = the previous
 * public event's, `formats.http-stream.content` = the SSE message (the
 * subscription's result, serialised once per channel, or the bare `id:`
 * line for a reader whose filter skips it). A failure stops the round
 * before the next event (order), and the next round waits (exponential
 * backoff with jitter).
 */
import { randomUUID } from 'node:crypto';
import { type DocumentNode, type GraphQLSchema, parse } from 'graphql';
import { SignJWT } from 'jose';
import { type SQL, sql } from 'drizzle-orm';
import type { GripSettings } from '../config.js';
import type { Context } from '../context.js';
import { type Database, queryRows } from '../db/client.js';
import { EVENTS_CHANNEL } from '../live/append-event.js';
import { encodeEventCursor } from '../live/event-cursor.js';
import { loadEvents, seqOfPublicEvent } from '../live/load-events.js';
import type { Logger } from '../logger.js';
import { retryDelayMs } from '../webhooks/backoff.js';
import { OutboxLoop, describeFailure } from '../webhooks/outbox-loop.js';
import { type PreparedStream, heldOperation, prepareStream, publicCursor } from './grip.js';

const LEASE_MS = 30_000;
const PUBLISH_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** Stories a round looks at, and events of one story it publishes, before the next round. */
const STORIES_PER_ROUND = 20;
const EVENTS_PER_ROUND = 200;
/** Channels nobody was held on for a week, on stories with no event since, are forgotten. */
const CHANNEL_RETENTION_MS = 7 * 86_400_000;
const PRUNE_INTERVAL_MS = 600_000;
/** How long a channel's prepared operation is reused: a story made invisible meanwhile stops being published within this. */
const PREPARED_TTL_MS = 10_000;
const MAX_ERROR_LENGTH = 500;

interface ChannelRow {
  id: string;
  story_id: number;
  query: string;
  operation_name: string | null;
  variables: Record<string, unknown> | string;
  position: number | string;
}

export interface GripPublisherOptions {
  schema: GraphQLSchema;
  /** An anonymous reader's context, for executing the channels' operations. */
  context(): Context;
}

export class GripPublisher {
  private readonly owner = randomUUID();
  private readonly loop: OutboxLoop;
  /** Parsed documents by text: the same few operations every round. */
  private readonly documents = new Map<string, DocumentNode>();
  /** Channels' prepared operations (the story and filter resolved), reused for a few seconds: a round per event needs no query for them. */
  private readonly prepared = new Map<string, { stream: PreparedStream | null; at: number }>();
  /** Items accepted by every endpoint, and requests that failed, since start. */
  published = 0;
  failed = 0;
  private prunedAt = 0;

  constructor(
    private readonly database: Database,
    private readonly settings: GripSettings,
    private readonly log: Logger,
    private readonly options: GripPublisherOptions,
  ) {
    this.loop = new OutboxLoop(database, log, { channels: [EVENTS_CHANNEL], pollIntervalMs: 1_000, name: 'GRIP publish', round: () => this.round() });
  }

  async start(): Promise<void> {
    await queryRows(this.database.db, sql`insert into grip_publish_state (id) values (1) on conflict do nothing returning id`);
    await this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // Let another instance take over at once rather than when the lease runs out.
    await queryRows(this.database.db, sql`update grip_publish_state set lease_owner = null, lease_until = null where id = 1 and lease_owner = ${this.owner} returning id`).catch(() => []);
  }

  wake(): void {
    this.loop.wake();
  }

  private async round(): Promise<boolean> {
    const db = this.database.db;
    const behind = await queryRows<{ story_id: number }>(
      db,
      sql`select distinct c.story_id from grip_channels c join stories s on s.id = c.story_id where c.position < s.last_public_seq order by c.story_id limit ${STORIES_PER_ROUND}`,
    );
    if (behind.length === 0) return false;
    const [lease] = await queryRows<{ failures: number }>(
      db,
      sql`update grip_publish_state
        set lease_owner = ${this.owner}, lease_until = now() + ${LEASE_MS} * interval '1 millisecond'
        where id = 1 and next_attempt_at <= now() and (lease_until is null or lease_until < now() or lease_owner = ${this.owner})
        returning failures`,
    );
    if (!lease) return false;
    let progressed = false;
    try {
      for (const { story_id: storyId } of behind) if (await this.publishStory(Number(storyId))) progressed = true;
    } catch (error) {
      const failures = lease.failures + 1;
      const delay = retryDelayMs(failures, BACKOFF_BASE_MS, BACKOFF_MAX_MS);
      const message = describeFailure(error, PUBLISH_TIMEOUT_MS).slice(0, MAX_ERROR_LENGTH);
      this.failed++;
      await this.release(sql`lease_owner = null, lease_until = null, failures = ${failures}, last_error = ${message}, next_attempt_at = now() + ${delay} * interval '1 millisecond'`);
      this.log.warn({ failures, retryInMs: delay, error: message }, 'GRIP publish failed');
      return false;
    }
    await this.release(sql`lease_owner = null, lease_until = null, failures = 0, last_error = null${progressed ? sql`, last_published_at = date_trunc('milliseconds', now())` : sql``}`);
    if (Date.now() - this.prunedAt > PRUNE_INTERVAL_MS) {
      this.prunedAt = Date.now();
      void this.prune();
    }
    return progressed;
  }

  /** Publishes the story's public events past its channels' positions, oldest first; true when it published any. */
  private async publishStory(storyId: number): Promise<boolean> {
    const db = this.database.db;
    const rows = await queryRows<ChannelRow>(
      db,
      sql`select c.id, c.story_id, c.query, c.operation_name, c.variables, c.position from grip_channels c join stories s on s.id = c.story_id
        where c.story_id = ${storyId} and c.position < s.last_public_seq order by c.id`,
    );
    if (rows.length === 0) return false;
    const channels: { id: string; position: number; stream: PreparedStream | null }[] = [];
    for (const row of rows) {
      let cached = this.prepared.get(row.id);
      if (!cached || Date.now() - cached.at > PREPARED_TTL_MS) {
        cached = { stream: await this.prepare(row), at: Date.now() };
        if (this.prepared.size > 10_000) this.prepared.clear();
        this.prepared.set(row.id, cached);
      }
      channels.push({ id: row.id, position: Number(row.position), stream: cached.stream });
    }
    const from = Math.min(...channels.map((c) => c.position));
    const afterSeq = from === 0 ? 0 : await seqOfPublicEvent(db, storyId, from);
    if (afterSeq === null) throw new Error(`story ${storyId} has no public event ${from}`);
    const events = (await loadEvents(db, storyId, afterSeq, { limit: EVENTS_PER_ROUND })).filter((event) => event.row.public);
    let published = false;
    for (const event of events) {
      // Loaders of a fresh context per event: the story as this event left it, shared by the story's channels.
      const context = this.options.context();
      const seq = event.row.publicSeq;
      const targets = channels.filter((c) => c.position < seq);
      if (targets.length === 0) continue;
      const id = publicCursor(event);
      const prevId = encodeEventCursor(storyId, seq - 1, true);
      const items = [];
      for (const channel of targets) {
        // A channel whose operation no longer runs (a story deleted meanwhile, a schema change) still moves on: readers are sent its id alone.
        const content = channel.stream ? await channel.stream.message(event, context) : `id: ${id}\n\n`;
        items.push({ channel: channel.id, id, 'prev-id': prevId, formats: { 'http-stream': { content } } });
      }
      await this.send(items);
      this.published += items.length;
      await queryRows(
        db,
        sql`with moved as (update grip_channels set position = ${seq} where id = any(${sql.param(targets.map((c) => c.id))}::text[]) and position < ${seq} returning id)
          update grip_publish_state set lease_until = now() + ${LEASE_MS} * interval '1 millisecond' where id = 1 and lease_owner = ${this.owner} returning id`,
      );
      for (const channel of targets) channel.position = seq;
      published = true;
    }
    return published;
  }

  private async prepare(row: ChannelRow): Promise<PreparedStream | null> {
    try {
      let document = this.documents.get(row.query);
      if (!document) {
        document = parse(row.query);
        if (this.documents.size > 1_000) this.documents.clear();
        this.documents.set(row.query, document);
      }
      const variables = typeof row.variables === 'string' ? (JSON.parse(row.variables) as Record<string, unknown>) : row.variables;
      const operation = heldOperation(this.options.schema, document, row.query, row.operation_name, variables);
      if (!operation) return null;
      return await prepareStream(this.options.schema, document, operation, this.options.context());
    } catch (error) {
      this.log.warn({ err: error, channel: row.id }, 'a GRIP channel\'s operation no longer runs; its readers receive ids only');
      return null;
    }
  }

  /** One publish request per endpoint, all of them accepted, or the round fails. */
  private async send(items: unknown[]): Promise<void> {
    const body = JSON.stringify({ items });
    const authorization = this.settings.key ? `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('diretta').setExpirationTime('1h').sign(new TextEncoder().encode(this.settings.key))}` : null;
    const results = await Promise.allSettled(
      this.settings.urls.map(async (given) => {
        // A URL's own credentials (https://:<API token>@api.fastly.com/service/<id>) are sent as a bearer token instead of the signed JWT.
        const parsed = new URL(given);
        const token = decodeURIComponent(parsed.password || parsed.username);
        parsed.username = '';
        parsed.password = '';
        const url = parsed.toString().replace(/\/+$/, '');
        const auth = token ? `Bearer ${token}` : authorization;
        const response = await fetch(`${url}/publish/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          body,
          signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      }),
    );
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${this.settings.urls[i]!.replace(/\/\/[^@/]*@/, '//')}: ${describeFailure(r.reason, PUBLISH_TIMEOUT_MS)}`] : []));
    if (failed.length > 0) throw new Error(failed.join('; '));
  }

  private async release(changes: SQL): Promise<void> {
    await queryRows(this.database.db, sql`update grip_publish_state set ${changes} where id = 1 and lease_owner = ${this.owner} returning id`);
  }

  /** Forgets channels nobody was held on for a week whose story has nothing new for them. */
  private async prune(): Promise<void> {
    try {
      await queryRows(
        this.database.db,
        sql`delete from grip_channels c using stories s where s.id = c.story_id and c.position >= s.last_public_seq
          and c.held_at < now() - ${CHANNEL_RETENTION_MS} * interval '1 millisecond' returning c.id`,
      );
    } catch (error) {
      this.log.debug({ err: error }, 'could not prune GRIP channels');
    }
  }
}
