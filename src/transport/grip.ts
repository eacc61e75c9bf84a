/**
 * Diretta as a GRIP backend: readers' streams held by a proxy (Pushpin, or
 * Fastly Fanout), not by this process.
 *
 * A reader's stream is graphql-sse's distinct-connections mode — `GET
 * /graphql?query=…&variables=…` with `Accept: text/event-stream` — of the
 * public `storyEvents` or `entryPublished` subscription, without a token.
 * When such a request arrives through the proxy (it carries `Grip-Sig`, a
 * JWT the proxy signs; checked with GRIP_KEY when set), it is answered at
 * once with the events after the reader's cursor (`Grip-Last` when the proxy
 * asks again after a gap, else `Last-Event-ID`, else the `after` argument;
 * none: from now), each an SSE message whose `id:` is its cursor, and
 * instructions for the proxy to keep the response open on a channel:
 *
 *   Grip-Hold: stream
 *   Grip-Channel: <channel>; prev-id=<cursor of the story's latest public event>
 *   Grip-Link: <the same URL>; rel=next
 *   Grip-Keep-Alive: :\n\n; format=cstring; timeout=…
 *
 * The request is then over: this instance keeps no socket, no subscriber,
 * nothing for the reader. Each distinct operation and variables (the
 * cursor aside) is one channel, recorded in grip_channels with how far it
 * has been published; the publisher (./grip-publisher.ts) sends every public
 * event of the story to every channel of it, in order, with `id` = the
 * event's cursor and `prev-id` = the previous public event's: a kept event
 * as the message readers receive, any other as a bare `id:` line (which
 * moves the reader's Last-Event-ID and shows nothing). So the ids on a
 * channel run without a gap, and a proxy that sees a `prev-id` it did not
 * expect (a missed publish, a hold answered while the publisher was behind)
 * asks the `Grip-Link` URL again with `Grip-Last`, and is answered with what
 * it missed: nothing lost, nothing repeated.
 *
 * Anything else — a token, another operation, a request not from the proxy,
 * a bad cursor — goes to Yoga as before (which reports the problem).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  execute,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
} from 'graphql';
import { jwtVerify } from 'jose';
import { guardRequest } from '../input-guard.js';
import { and, count, eq, sql } from 'drizzle-orm';
import type { Context } from '../context.js';
import { gripChannels } from '../db/schema.js';
import { encodeEventCursor } from '../live/event-cursor.js';
import { type LiveEvent, loadEvents } from '../live/load-events.js';
import type { Logger } from '../logger.js';
import { replayOnly } from '../plugins/shared-event-execution.js';
import { HELD_FIELDS, heldStream } from '../schema/types/story-event.js';
import type { StoryRow } from '../db/schema.js';

/** Channels a story may have at most: past it, new operations are streamed by the instance (each costs a publish per event). */
export const MAX_CHANNELS_PER_STORY = 200;
/** Seconds between keep-alive comments the proxy sends on a quiet stream. */
const KEEP_ALIVE_SECONDS = 20;
/** How often an instance marks a channel held again (the publisher forgets channels nobody was held on for a week). */
const HELD_MARK_INTERVAL_MS = 600_000;
/** Events loaded per query for a reader's catch-up. */
const BATCH = 500;

type HeldField = (typeof HELD_FIELDS)[number];

/** A subscription a proxy may hold: its document, operation and variables, and the channel it is held on. */
export interface HeldOperation {
  query: string;
  operationName: string | null;
  /** As sent, cursor variable included (for execution). */
  variables: Record<string, unknown>;
  /** Without the cursor: what names the channel, and what the publisher executes. */
  channelVariables: Record<string, unknown>;
  channel: string;
  field: HeldField;
  args: Record<string, unknown>;
}

/** A held operation ready for events: its story, which events it shows, and each event's SSE message. */
export interface PreparedStream {
  operation: HeldOperation;
  story: StoryRow;
  keep(event: LiveEvent): boolean;
  resumeAfter(cursor: string | null | undefined): Promise<number | null>;
  /** The event's message: the subscription's result when kept (run with `context`, else the stream's), else its id alone. */
  message(event: LiveEvent, context?: Context): Promise<string>;
}

/** A public event's cursor as readers see it (the SSE id on a held stream). */
export const publicCursor = (event: Pick<LiveEvent, 'row'>) => encodeEventCursor(event.row.storyId, event.row.publicSeq, true);

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Record<string, unknown>)[key])]));
  return value;
}

/** The channel of an operation: the same on every instance for the same document, operation name and variables. */
export function channelName(query: string, operationName: string | null, channelVariables: Record<string, unknown>): string {
  return `diretta-${createHash('sha256').update(JSON.stringify([query, operationName, sorted(channelVariables)])).digest('base64url').slice(0, 32)}`;
}

/**
 * Whether a parsed, validated document is a subscription a proxy may hold:
 * one root field, storyEvents or entryPublished, with valid variables.
 */
export function heldOperation(schema: GraphQLSchema, document: DocumentNode, query: string, operationName: string | null, rawVariables: Record<string, unknown>): HeldOperation | null {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation || operation.operation !== 'subscription') return null;
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD || (root.directives?.length ?? 0) > 0) return null;
  const field = root.name.value as HeldField;
  if (!HELD_FIELDS.includes(field)) return null;
  const definition = schema.getSubscriptionType()?.getFields()[field];
  if (!definition) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors) return null;
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(definition, root as FieldNode, coerced.coerced);
  } catch {
    return null;
  }
  const cursorOnly = replayOnly(document);
  const channelVariables = Object.fromEntries(Object.entries(rawVariables).filter(([name]) => !cursorOnly.has(name)));
  return { query, operationName, variables: rawVariables, channelVariables, channel: channelName(query, operationName, channelVariables), field, args };
}

/** Errors readers may see keep their message and code; anything else is masked, as Yoga masks it. */
function masked(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((error) =>
      error.extensions?.code && error.extensions.code !== 'INTERNAL_SERVER_ERROR'
        ? new GraphQLError(error.message, { path: error.path, extensions: error.extensions })
        : new GraphQLError('Unexpected error.', { path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ),
  };
}

export function sseMessage(id: string, result: ExecutionResult | null): string {
  return result ? `id: ${id}\nevent: next\ndata: ${JSON.stringify(result)}\n\n` : `id: ${id}\n\n`;
}

/** Binds a held operation to its story and an anonymous context; throws a client error (bad story, filter) as the subscription would. */
export async function prepareStream(schema: GraphQLSchema, document: DocumentNode, operation: HeldOperation, ctx: Context): Promise<PreparedStream> {
  const held = await heldStream(ctx, operation.field, operation.args as Parameters<typeof heldStream>[2]);
  return {
    operation,
    story: held.story,
    keep: held.keep,
    resumeAfter: held.resumeAfter,
    async message(event, context = ctx) {
      const id = publicCursor(event);
      if (!event.row.public || !held.keep(event)) return sseMessage(id, null);
      const result = await execute({ schema, document, rootValue: event, contextValue: context, variableValues: operation.variables, operationName: operation.operationName });
      return sseMessage(id, masked(result));
    },
  };
}

/** The cursor a proxy says a held stream last received on this channel (`Grip-Last: <channel>; last-id=<id>`). */
export function gripLast(header: string | string[] | undefined, channel: string): string | null {
  for (const value of (Array.isArray(header) ? header : [header ?? '']).flatMap((h) => h.split(','))) {
    const [name, ...params] = value.split(';').map((part) => part.trim());
    if (name !== channel) continue;
    for (const param of params) if (param.startsWith('last-id=')) return param.slice('last-id='.length).replace(/^"(.*)"$/, '$1');
  }
  return null;
}

export interface GripOptions {
  schema: GraphQLSchema;
  /** GRIP_KEY: Grip-Sig must be a JWT signed with it; null: any Grip-Sig is taken as the proxy's. */
  key: string | null;
  log: Logger;
  /** Parses and validates as Yoga would for this request (its limits included); errors: Yoga answers instead. */
  parse(request: IncomingMessage, query: string): { document: DocumentNode } | null;
  /** Resolves a trusted document's text from its hash (`extensions.persistedQuery`). */
  trustedDocument(hash: string): string | null;
  /** An anonymous reader's context for this request. */
  context(request: IncomingMessage): Context;
}

export interface Grip {
  /** Whether a request may be a held reader's stream (GET /graphql, SSE, from the proxy, no token). */
  candidate(request: IncomingMessage): boolean;
  /** Answers it with a hold; false when it is not one after all (Yoga answers it). */
  serve(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Holds answered, since start (tests, logs). */
  readonly holds: number;
}

export function createGrip(options: GripOptions): Grip {
  const secret = options.key ? new TextEncoder().encode(options.key) : null;
  let holds = 0;
  /** Documents that parsed and validated (with Yoga's limits), by text: every reader of a story sends the same few. */
  const validated = new Map<string, { document: DocumentNode }>();

  async function signed(request: IncomingMessage): Promise<boolean> {
    const sig = request.headers['grip-sig'];
    if (typeof sig !== 'string' || sig.length === 0) return false;
    if (!secret) return true;
    try {
      await jwtVerify(sig, secret, { algorithms: ['HS256'] });
      return true;
    } catch {
      return false;
    }
  }

  function params(request: IncomingMessage): { query: string; operationName: string | null; variables: Record<string, unknown> } | null {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let query = url.searchParams.get('query');
    let variables: unknown = {};
    try {
      const extensions = url.searchParams.get('extensions');
      if (!query && extensions) {
        const hash = (JSON.parse(extensions) as { persistedQuery?: { sha256Hash?: unknown } }).persistedQuery?.sha256Hash;
        query = typeof hash === 'string' ? options.trustedDocument(hash) : null;
      }
      const given = url.searchParams.get('variables');
      if (given) variables = JSON.parse(given);
    } catch {
      return null;
    }
    if (!query || !variables || typeof variables !== 'object' || Array.isArray(variables)) return null;
    return { query, operationName: url.searchParams.get('operationName') || null, variables: variables as Record<string, unknown> };
  }

  /** Channels known to be recorded, with when this instance last marked them held (readers of one channel do not all write its row). */
  const recorded = new Map<string, number>();

  /** Records the channel (once): the publisher sends it every public event after `position`. False: the story has too many. */
  async function record(ctx: Context, stream: PreparedStream, position: number): Promise<boolean> {
    const { operation, story } = stream;
    const markedAt = recorded.get(operation.channel);
    if (markedAt !== undefined && Date.now() - markedAt < HELD_MARK_INTERVAL_MS) return true;
    const [existing] = await ctx.db.select({ id: gripChannels.id }).from(gripChannels).where(eq(gripChannels.id, operation.channel));
    if (existing) {
      await ctx.db.update(gripChannels).set({ heldAt: sql`date_trunc('milliseconds', now())` }).where(and(eq(gripChannels.id, operation.channel)));
      if (recorded.size > 10_000) recorded.clear();
      recorded.set(operation.channel, Date.now());
      return true;
    }
    const [{ channels } = { channels: 0 }] = await ctx.db.select({ channels: count() }).from(gripChannels).where(eq(gripChannels.storyId, story.id));
    if (channels >= MAX_CHANNELS_PER_STORY) return false;
    await ctx.db
      .insert(gripChannels)
      .values({ id: operation.channel, storyId: story.id, query: operation.query, operationName: operation.operationName, variables: operation.channelVariables, position })
      .onConflictDoNothing();
    return true;
  }

  return {
    get holds() {
      return holds;
    },
    candidate(request) {
      if (request.method !== 'GET' || !request.headers['grip-sig']) return false;
      // Pushpin asks the Grip-Link URL again (after subscribing, and after a gap) with Grip-Last and no Accept.
      if (!(request.headers.accept ?? '').includes('text/event-stream') && !request.headers['grip-last']) return false;
      if (request.headers.authorization || request.headers['x-graphql-event-stream-token']) return false;
      const url = new URL(request.url ?? '/', 'http://localhost');
      return url.pathname === '/graphql' && !url.searchParams.has('token');
    },
    async serve(request, response) {
      if (!(await signed(request))) return false;
      const given = params(request);
      if (!given || guardRequest(given.query, given.variables)) return false;
      let parsed = validated.get(given.query) ?? null;
      if (!parsed) {
        parsed = options.parse(request, given.query);
        if (parsed) {
          if (validated.size > 1_000) validated.clear();
          validated.set(given.query, parsed);
        }
      }
      if (!parsed) return false;
      const operation = heldOperation(options.schema, parsed.document, given.query, given.operationName, given.variables);
      if (!operation) return false;
      const ctx = options.context(request);
      let stream: PreparedStream;
      let from: number | null;
      try {
        stream = await prepareStream(options.schema, parsed.document, operation, ctx);
        const lastEventId = request.headers['last-event-id'];
        const cursor = gripLast(request.headers['grip-last'], operation.channel) ?? (typeof lastEventId === 'string' && lastEventId ? lastEventId : null) ?? (operation.args.after as string | null | undefined) ?? null;
        from = await stream.resumeAfter(cursor);
      } catch (error) {
        // A story that is not there, a cursor of another story…: Yoga reports it, as to any reader.
        if (error instanceof GraphQLError) return false;
        throw error;
      }
      const { story } = stream;
      // What the reader missed, up to the story's latest event as read with the story: the hold's prev-id.
      const chunks: string[] = [];
      for (let after = from ?? story.lastEventSeq; after < story.lastEventSeq; ) {
        const batch = await loadEvents(ctx.db, story.id, after, { upToSeq: story.lastEventSeq, limit: BATCH });
        if (batch.length === 0) break;
        for (const event of batch) if (event.row.public && stream.keep(event)) chunks.push(await stream.message(event));
        after = batch.at(-1)!.row.seq;
      }
      if (!(await record(ctx, stream, story.lastPublicSeq))) {
        options.log.warn({ storyId: story.id, channels: MAX_CHANNELS_PER_STORY }, 'story has too many GRIP channels: streaming this reader directly');
        return false;
      }
      holds++;
      const prevId = encodeEventCursor(story.id, story.lastPublicSeq, true);
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'grip-hold': 'stream',
        'grip-channel': `${operation.channel}; prev-id=${prevId}`,
        'grip-link': `<${request.url}>; rel=next`,
        'grip-keep-alive': `:\\n\\n; format=cstring; timeout=${KEEP_ALIVE_SECONDS}`,
      });
      response.end(chunks.join(''));
      return true;
    },
  };
}
