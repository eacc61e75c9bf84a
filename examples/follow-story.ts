/**
 * Follows a story from the terminal over graphql-ws, the way a live ticker
 * should: read the story and its event cursor, subscribe after that cursor,
 * and when the connection drops, reconnect and resume after the last event
 * received — nothing missed, nothing twice.
 *
 *   npm run example:follow -- --story ucraina-russia-negoziati-miami-2025-12-23 [--after <cursor>]
 *
 * DIRETTA_URL (default http://localhost:4000); DIRETTA_TOKEN to follow as an
 * editor (drafts included).
 */
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    story: { type: 'string', default: 'ucraina-russia-negoziati-miami-2025-12-23' },
    after: { type: 'string' },
  },
});

const base = process.env.DIRETTA_URL ?? 'http://localhost:4000';
const token = process.env.DIRETTA_TOKEN;
const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };

const response = await fetch(`${base}/graphql`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ query: /* GraphQL */ `query FollowStory($slug: String!) { story(slug: $slug) { id title status eventCursor } }`, variables: { slug: values.story } }),
});
const { data, errors } = (await response.json()) as { data?: { story: { id: string; title: string; status: string; eventCursor: string } }; errors?: { message: string }[] };
if (!data?.story) throw new Error(errors?.map((e) => e.message).join('\n') ?? 'story not found');
console.log(`Following "${data.story.title}" (${data.story.status.toLowerCase()}). Ctrl-C to stop.`);

let cursor = values.after ?? data.story.eventCursor;
let lastSequence = 0;
const subscription = /* GraphQL */ `subscription FollowStoryEvents($story: ID!, $after: String) {
  storyEvents(story: $story, after: $after) { cursor sequence kind occurredAt entry { headline body correctionNote } story { status } }
}`;

type Event = { cursor: string; sequence: number; kind: string; occurredAt: string; entry: { headline: string; body: string | null; correctionNote: string | null } | null; story: { status: string } };

/**
 * When to come back: a server turning readers away (close 1013, too many
 * connecting at once) says when, in its close reason; otherwise back off
 * with full jitter, so that the readers of an instance that went away do
 * not all come back in the same instant.
 */
function retryDelay(error: unknown, attempt: number): number {
  const close = error as { code?: number; reason?: string } | null;
  const hint = close?.code === 1013 ? Number(/retry in (\d+) ms/.exec(close.reason ?? '')?.[1]) : Number.NaN;
  if (Number.isFinite(hint) && hint > 0) return Math.round(hint + Math.random() * Math.min(1_000, hint / 2));
  const ceiling = Math.min(30_000, 1_000 * 2 ** attempt);
  return Math.round(ceiling / 4 + Math.random() * ceiling);
}

for (let attempt = 0; ; attempt++) {
  let lost: unknown = null;
  const client = createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  try {
    for await (const result of client.iterate<{ storyEvents: Event }>({ query: subscription, variables: { story: data.story.id, after: cursor } })) {
      attempt = 0;
      if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
      const event = result.data!.storyEvents;
      if (event.sequence <= lastSequence) continue; // belt and braces: the server already guarantees it
      lastSequence = event.sequence;
      cursor = event.cursor;
      const time = new Date(event.occurredAt).toLocaleTimeString();
      const what = event.entry ? `${event.entry.headline}${event.entry.body ? ` — ${event.entry.body}` : ''}` : `story is now ${event.story.status.toLowerCase()}`;
      console.log(`#${event.sequence} ${time} ${event.kind.toLowerCase().padEnd(18)} ${what}${event.entry?.correctionNote ? ` [${event.entry.correctionNote}]` : ''}`);
    }
  } catch (error) {
    lost = error;
    const close = error as { code?: number; reason?: string };
    console.error(`connection lost: ${error instanceof Error ? error.message : close.code ? `closed ${close.code} ${close.reason ?? ''}` : String(error)}`);
  } finally {
    await client.dispose();
  }
  const delay = retryDelay(lost, attempt);
  console.error(`resuming after #${lastSequence} in ${delay} ms`);
  await new Promise((resolve) => setTimeout(resolve, delay));
}
