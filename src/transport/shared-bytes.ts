/**
 * Subscribers of the same operation receive the very same result object
 * for an event (src/plugins/shared-event-execution.ts executes it once); this module
 * makes them receive the same bytes too, serialised once.
 *
 * graphql-ws serialises every `next` message on its own, result included:
 * 10,000 subscribers, 10,000 JSON.stringify calls of the same result. It
 * offers no hook to send pre-serialised JSON, so `sharedNext` (its onNext
 * hook) hands it an empty stand-in payload and remembers the real one, and
 * `sendSharedBytes` (on each socket) swaps the stand-in for the result's
 * JSON, serialised on first use and kept with the result object. The whole
 * message is cached too, per subscription id: clients that number their
 * subscriptions alike ("1") get one Buffer written to every socket, as a
 * bare broadcast would.
 */
import type { ExecutionResult } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { WebSocket } from 'ws';

interface Serialised {
  json: string;
  /** `,"type":"next","payload":<json>}` as bytes, encoded once: a message is its id's head and this. */
  tail: Buffer | null;
  /** Whole `next` messages by subscription id (bounded). */
  messages: Map<string, Buffer>;
}

const MESSAGES_PER_RESULT = 64;
const serialisedResults = new WeakMap<object, Serialised>();
/** Per socket: the payload each subscription id's stand-in stands for. */
const pending = new WeakMap<object, Map<string, Serialised>>();
const STAND_IN: ExecutionResult = Object.freeze({});
const STAND_IN_END = ',"payload":{}}';
const STAND_IN_START = '{"id":"';
const STAND_IN_TAIL = '","type":"next","payload":{}}';

/** Results serialised and `next` messages built (tests count them: once per result, once per result and id). */
export const sharedBytesStats = { serialised: 0, messages: 0 };


function serialise(result: ExecutionResult): Serialised {
  let serialised = serialisedResults.get(result);
  if (!serialised) {
    sharedBytesStats.serialised++;
    serialised = { json: JSON.stringify(result), tail: null, messages: new Map() };
    serialisedResults.set(result, serialised);
  }
  return serialised;
}

function message(serialised: Serialised, id: string): Buffer | string {
  const cached = serialised.messages.get(id);
  if (cached) return cached;
  sharedBytesStats.messages++;
  // The result's bytes are encoded once; each id only adds its head (a copy, not a serialisation).
  serialised.tail ??= Buffer.from(`,"type":"next","payload":${serialised.json}}`);
  const bytes = Buffer.concat([Buffer.from(`{"id":${JSON.stringify(id)}`), serialised.tail]);
  if (serialised.messages.size < MESSAGES_PER_RESULT) serialised.messages.set(id, bytes);
  return bytes;
}

/**
 * The whole `next` message of subscription `id` carrying `result`: the
 * result serialised once for all its subscribers, the message once per id
 * (for the live results written straight to sockets, src/transport/websocket.ts).
 */
export function nextMessage(result: ExecutionResult, id: string): Buffer | string {
  return message(serialise(result), id);
}

type OnNext<E> = NonNullable<ServerOptions<Record<string, unknown> | undefined, E>['onNext']>;

/** Wraps graphql-ws's onNext hook (and whatever it returns) so that the result goes out as shared bytes. */
export function sharedNext<E extends { socket: WebSocket }>(inner?: OnNext<E>): OnNext<E> {
  return (ctx, id, payload, args, result) => {
    const stand = (replaced: unknown) => {
      let waiting = pending.get(ctx.extra.socket);
      if (!waiting) {
        waiting = new Map();
        pending.set(ctx.extra.socket, waiting);
      }
      waiting.set(id, serialise((replaced ?? result) as ExecutionResult));
      return STAND_IN;
    };
    // No promise unless the inner hook makes one: this runs once per subscriber per event.
    const replaced = inner?.(ctx, id, payload, args, result);
    return replaced instanceof Promise ? replaced.then(stand) : stand(replaced);
  };
}

/**
 * The server's WebSocket class (the `WebSocket` option of ws' server): it
 * sends the shared bytes in place of the stand-in `sharedNext` gave
 * graphql-ws. A subclass, so that the method lives once on its prototype,
 * not as a function per socket (a reader's, for hours).
 */
export class SharedBytesSocket extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    const send = super.send as (this: WebSocket, data: unknown, ...rest: unknown[]) => void;
    const waiting = pending.get(this);
    if (waiting?.size && typeof data === 'string' && data.endsWith(STAND_IN_END)) {
      // `{"id":"<id>","type":"next","payload":{}}`: the id as written, unless it needed escaping.
      const written = data.slice(STAND_IN_START.length, -STAND_IN_TAIL.length);
      const id = written.includes('\\') || written.includes('"') ? (JSON.parse(data) as { id: string }).id : written;
      const serialised = waiting.get(id);
      if (serialised) {
        waiting.delete(id);
        // A Buffer goes out as a binary frame unless told otherwise; graphql-ws clients expect text.
        const [first, second] = rest;
        return typeof first === 'function'
          ? send.call(this, message(serialised, id), { binary: false }, first)
          : send.call(this, message(serialised, id), { ...(first as object), binary: false }, second);
      }
    }
    return send.call(this, data, ...rest);
  }
}
