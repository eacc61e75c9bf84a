import type { ExecutionResult } from 'graphql';
import type { Access } from './access.js';
import type { CacheScope } from './cache-scope.js';
import type { StatementCount } from './db/statement-counter.js';
import type { Publisher } from './config.js';
import type { LiveBus } from './live/bus.js';
import type { CatalogMatcher } from './loaders/catalog-matcher.js';
import type { Logger } from './logger.js';
import type { EndReason } from './observability/metrics.js';
import type { WebhookRules } from './webhooks/admin.js';

/**
 * Where a transport takes a subscription's live results pushed rather than
 * pulled (src/transport/websocket.ts, src/transport/sse-streams.ts,
 * src/plugins/shared-event-execution.ts).
 */
export interface LiveOutlet {
  /**
   * Writes one result of the subscription; `flushed` (if given) is called
   * once the socket has taken it. False when nothing more can be written
   * (the socket is closing, or was just cut off as a slow consumer): the
   * stream ends.
   */
  write(result: ExecutionResult, flushed?: () => void): boolean;
  /**
   * Called when a subscription's stream takes the outlet: from then on its
   * results are written here, not pulled. `stream` is the subscription's own
   * iterator, under envelop's: its one next() settles when the stream ends
   * (rejected with the stream's error), and return() ends it.
   */
  attached?(stream: AsyncIterator<ExecutionResult>): void;
}

export interface LiveConnection {
  kind: 'graphql-ws' | 'sse';
  /** Cuts off a subscriber that does not keep up (a WebSocket is closed with this code; an SSE stream is dropped). */
  close(code: number, reason: string): void;
  /** Where its live results are written (see src/plugins/shared-event-execution.ts). */
  outlet?: LiveOutlet;
  /** Why the server ended it, once it did (a WebSocket's reason is known from its close). */
  readonly endReason?: EndReason | null;
  /**
   * True when the transport writes the subscription's stream and ends it
   * itself (an SSE stream whose outlet was taken): it then lets go of
   * envelop's iterators around the stream, so their hooks never see its end,
   * and calls `listener` once, with the reason, instead. False: the stream
   * is pulled through envelop, whose onEnd hooks see its end.
   */
  whenEnded?(listener: (reason: EndReason) => void): boolean;
}

/**
 * Everything a resolver may use, built fresh for each operation so that
 * DataLoader caches (keyed on this object by Pothos) never outlive a request.
 *
 * Mind its size: over HTTP, Yoga assigns these fields onto its own context
 * object (req, res, waitUntil, request, params), 18 properties in all today.
 * One more (a plugin's record, once) and V8 turns that object into a
 * dictionary-mode one, whose every read by every plugin and resolver is a
 * hash lookup (docs/operations.md, Cost of the metrics). A new field
 * belongs in an existing one where it can.
 */
export interface Context extends Access {
  live: LiveBus;
  /** The in-memory matcher over the catalog, for analyzeText (src/loaders/catalog-matcher.ts). */
  linking: CatalogMatcher;
  log: Logger;
  requestId: string;
  /** The client's address (rate limits key on it for anonymous callers). */
  clientAddress: string;
  /**
   * The connection a subscription's results go down when the transport
   * writes them itself: a WebSocket, or a distinct-connections SSE stream.
   * Null for every other HTTP request.
   */
  connection: LiveConnection | null;
  /**
   * SQL statements this operation has run (see src/db/statement-counter.ts);
   * null unless REPORT_SQL_STATEMENTS is on, since the counting rides on
   * AsyncLocalStorage, whose promise hooks tax every promise in the process.
   */
  statements: StatementCount | null;
  /** The stories this operation's `story` fields resolved, for the response cache (src/cache-scope.ts). */
  cacheScope: CacheScope;
  /** Named as `publisher` in the JSON-LD (PUBLISHER_NAME, PUBLISHER_URL, PUBLISHER_LOGO_URL). */
  publisher: Publisher;
  /** Where webhooks may send, and how long a rotated secret keeps signing (WEBHOOK_* settings). */
  webhookRules: WebhookRules;
  /**
   * Takes `cost` from the caller's replay budget (REPLAY_COST_PER_MINUTE, per
   * token subject or address): 0 when allowed, else the seconds to wait.
   */
  chargeReplay(this: Pick<Context, 'viewer' | 'clientAddress'>, cost: number): number;
}
