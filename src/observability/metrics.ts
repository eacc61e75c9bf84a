/**
 * Every metric Diretta exports, in one place: names (all `diretta_`),
 * help texts, label sets and the few calls the rest of the code makes.
 *
 * One Metrics per app instance (tests run several in one process), handed
 * to what feeds it the way a logger is. It sits below everything else and
 * imports nothing of Diretta, so domain code (the live bus, the outbox
 * deliverers, the database client) may use it without knowing GraphQL.
 *
 * Labels are bounded: operation names are the first `maxOperationNames`
 * seen (then "other"), everything else is one of a fixed list below. Never
 * a story id, a client address or anything else a caller makes up.
 *
 * Hot paths only add to numbers (see ./metric-families.ts); what is a
 * state rather than an event (subscribers now, bytes held, the outbox
 * backlog) is either kept up to date the same way or read when Prometheus
 * scrapes (`onScrape`).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CounterCell, GaugeCell, HistogramCell} from './metric-families.js';
import { CounterFamily, GaugeFamily, HistogramFamily } from './metric-families.js';

export type Transport = 'graphql-ws' | 'sse' | 'grip';
export type SubscriberRole = 'reader' | 'editor' | 'admin';
/** Why a subscription ended. */
export type EndReason = 'complete' | 'client_gone' | 'slow_consumer' | 'shutdown' | 'token_expired' | 'error';
export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';
/**
 * How a request went: answered (`ok`), from the response cache (`cached`), refused by a limit
 * (`refused`), the client's mistake (`client_error`), the database away (`unavailable`), a bug (`internal_error`).
 */
export type Outcome = 'ok' | 'cached' | 'client_error' | 'refused' | 'unavailable' | 'internal_error';
/** Every limit that refuses requests; the query limits by their `extensions.limit`. */
export type RefusalLimit =
  | 'depth'
  | 'aliases'
  | 'directives'
  | 'tokens'
  | 'cost'
  | 'responseBytes'
  | 'mutations'
  | 'expensive'
  | 'analyzeText'
  | 'trustedDocumentsOnly'
  | 'replay'
  | 'subscriptionsPerConnection'
  | 'streamsPerAddress'
  | 'websocketsPerAddress'
  | 'httpConnectionsPerAddress'
  | 'bodyBytes'
  | 'websocketFrameBytes'
  | 'liveAdmission';
/** The durable outboxes: webhook deliveries, and purges of shared caches (CDN, Varnish). */
export type Outbox = 'webhooks' | 'purge';
export type OutboxOutcome = 'delivered' | 'failed';
export type Pool = 'readers' | 'writers' | 'embedded';

export const TRANSPORTS: readonly Transport[] = ['graphql-ws', 'sse', 'grip'];
export const ROLES: readonly SubscriberRole[] = ['reader', 'editor', 'admin'];
export const END_REASONS: readonly EndReason[] = ['complete', 'client_gone', 'slow_consumer', 'shutdown', 'token_expired', 'error'];
export const OPERATION_TYPES: readonly OperationType[] = ['query', 'mutation', 'subscription', 'unknown'];
export const OUTCOMES: readonly Outcome[] = ['ok', 'cached', 'client_error', 'refused', 'unavailable', 'internal_error'];
export const REFUSAL_LIMITS: readonly RefusalLimit[] = [
  'depth',
  'aliases',
  'directives',
  'tokens',
  'cost',
  'responseBytes',
  'mutations',
  'expensive',
  'analyzeText',
  'trustedDocumentsOnly',
  'replay',
  'subscriptionsPerConnection',
  'streamsPerAddress',
  'websocketsPerAddress',
  'httpConnectionsPerAddress',
  'bodyBytes',
  'websocketFrameBytes',
  'liveAdmission',
];
export const OUTBOXES: readonly Outbox[] = ['webhooks', 'purge'];
const OUTBOX_OUTCOMES: readonly OutboxOutcome[] = ['delivered', 'failed'];

const TYPE_INDEX = Object.fromEntries(OPERATION_TYPES.map((type, i) => [type, i])) as Record<OperationType, number>;
const OUTCOME_INDEX = Object.fromEntries(OUTCOMES.map((outcome, i) => [outcome, i])) as Record<Outcome, number>;

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LATENESS_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900];

/** A GraphQL name: anything else (or anything longer) is not a name a label may carry. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/** The request histogram's cells of one operation name, indexed by type and outcome (bound on first use). */
export class OperationCells {
  readonly cells: (HistogramCell | undefined)[] = [];
  constructor(readonly name: string) {}
}

/**
 * Request cells per operation name: the first `max` names seen by executed
 * operations get their own, later ones share "other"; operations without a
 * name share "anonymous". Each name's cells are indexed by type and outcome,
 * so the hot path neither builds a label string nor looks one up.
 */
export class OperationNames {
  private readonly byName = new Map<string, OperationCells>();
  private readonly other = new OperationCells('other');
  private readonly anonymous = new OperationCells('anonymous');

  constructor(
    private readonly family: HistogramFamily<'operation' | 'type' | 'outcome'>,
    private readonly max: number,
  ) {}

  /** The cells of an operation that passed validation: its name is admitted while there is room. */
  admit(name: string | null | undefined): OperationCells {
    if (!name) return this.anonymous;
    const known = this.byName.get(name);
    if (known) return known;
    if (this.byName.size >= this.max || !GRAPHQL_NAME.test(name)) return this.other;
    const cells = new OperationCells(name);
    this.byName.set(name, cells);
    return cells;
  }

  /** The cells of a request refused before validation (or answered from the cache): a name already admitted, or "other". */
  known(name: string | null | undefined): OperationCells {
    if (!name) return this.anonymous;
    return this.byName.get(name) ?? this.other;
  }

  /** How many names have cells of their own. */
  get size(): number {
    return this.byName.size;
  }

  observe(operation: OperationCells, type: OperationType, outcome: Outcome, seconds: number): void {
    const index = TYPE_INDEX[type] * OUTCOMES.length + OUTCOME_INDEX[outcome];
    let cell = operation.cells[index];
    if (!cell) {
      // First time for this name, type and outcome: bind the child once.
      cell = this.family.child({ operation: operation.name, type, outcome });
      operation.cells[index] = cell;
    }
    cell.observe(seconds);
  }
}

export interface MetricsOptions {
  /** Operation names with series of their own; later names are counted as "other". */
  maxOperationNames: number;
}

type Refresh = () => void | Promise<void>;

/** How long a scrape waits for one refresher (a database query) before it shows the last values. */
const REFRESH_TIMEOUT_MS = 2_000;

export class Metrics {
  readonly registry = new Registry();
  private readonly refreshers = new Set<Refresh>();
  private defaultsCollected = false;
  /** Set when the app begins to stop: subscriptions that end from then on ended for the shutdown. */
  shuttingDown = false;

  // Requests
  readonly requestDuration = new HistogramFamily(
    'diretta_graphql_request_duration_seconds',
    'GraphQL requests (operations) by operation name, type and outcome, and how long each took: over HTTP from the parameters read to the result, over WebSocket its execution; a subscription until its stream started. _count counts the requests.',
    REQUEST_BUCKETS,
    ['operation', 'type', 'outcome'] as const,
  ).registerIn(this.registry);
  readonly operations: OperationNames;
  private readonly refusals = new CounterFamily('diretta_requests_refused_total', 'Requests, connections and subscriptions refused by a limit, by the limit (docs/limits-and-security.md).', ['limit'] as const).registerIn(
    this.registry,
  );
  readonly refused: Readonly<Record<RefusalLimit, CounterCell>>;

  // Subscriptions
  private readonly subscriberGauge = new GaugeFamily('diretta_subscribers', 'Subscriptions open now, by transport (graphql-ws, sse, grip: held by a GRIP proxy) and role.', ['transport', 'role'] as const).registerIn(
    this.registry,
  );
  private readonly started = new CounterFamily('diretta_subscriptions_started_total', 'Subscriptions started, by transport and role.', ['transport', 'role'] as const).registerIn(this.registry);
  private readonly ended = new CounterFamily(
    'diretta_subscriptions_ended_total',
    'Subscriptions ended, by transport and reason: complete (the client or the stream completed it), client_gone (its connection closed), slow_consumer (cut off, 4008), shutdown, token_expired, error.',
    ['transport', 'reason'] as const,
  ).registerIn(this.registry);
  readonly websocketConnections = new GaugeFamily('diretta_websocket_connections', 'WebSocket connections open now.').registerIn(this.registry).child({});

  // Events
  readonly eventsAppended = new CounterFamily('diretta_events_appended_total', 'Story events this instance wrote to the event log (counted once their transaction committed).').registerIn(this.registry).child({});
  readonly eventsDispatched = new CounterFamily('diretta_events_dispatched_total', 'Story events the live bus dispatched to this instance\'s subscribers (once per event, whatever the subscribers).')
    .registerIn(this.registry)
    .child({});
  private readonly delivered = new CounterFamily('diretta_events_delivered_total', 'Events written to subscribers, one per subscriber, by transport (grip: published once per channel).', ['transport'] as const).registerIn(
    this.registry,
  );
  readonly eventsLoaded = new CounterFamily('diretta_events_loaded_total', 'Event rows the live bus loaded from the log, live or for replays.').registerIn(this.registry).child({});
  readonly storiesFollowed = new GaugeFamily('diretta_live_stories_followed', 'Stories with at least one subscriber on this instance.').registerIn(this.registry).child({});
  readonly commitToDispatch = new HistogramFamily(
    'diretta_delivery_commit_to_dispatch_seconds',
    'From an event\'s time in the log (its transaction\'s start, on the database\'s clock) to its dispatch by the live bus of this instance.',
    LAG_BUCKETS,
  )
    .registerIn(this.registry)
    .child({});
  readonly dispatchToWritten = new HistogramFamily(
    'diretta_delivery_dispatch_to_written_seconds',
    'From an event\'s dispatch to the moment the last of its subscribers had it written to the socket (or skipped it by a filter).',
    LAG_BUCKETS,
  )
    .registerIn(this.registry)
    .child({});

  // Response cache
  readonly cacheHits = new CounterFamily('diretta_response_cache_hits_total', 'Anonymous reads answered from the response cache.').registerIn(this.registry).child({});
  readonly cacheMisses = new CounterFamily('diretta_response_cache_misses_total', 'Anonymous reads the response cache did not have: computed.').registerIn(this.registry).child({});
  readonly cacheStores = new CounterFamily('diretta_response_cache_stores_total', 'Answers stored in the response cache.').registerIn(this.registry).child({});
  readonly cacheEvictions = new CounterFamily('diretta_response_cache_evictions_total', 'Answers dropped from the response cache to make room (bytes or entries over the limit).')
    .registerIn(this.registry)
    .child({});
  readonly cacheInvalidations = new CounterFamily('diretta_response_cache_invalidations_total', 'Invalidations of the response cache: each story event, catalog change or unannounced mutation.')
    .registerIn(this.registry)
    .child({});
  readonly cacheBytes = new GaugeFamily('diretta_response_cache_bytes', 'Bytes of answers the response cache holds.').registerIn(this.registry).child({});
  readonly cacheEntries = new GaugeFamily('diretta_response_cache_entries', 'Answers the response cache holds.').registerIn(this.registry).child({});

  // Database
  private readonly poolSize = new GaugeFamily('diretta_db_pool_size', 'Connections a pool may open: readers and writers (PostgreSQL), or the embedded PGlite (1).', ['pool'] as const).registerIn(this.registry);
  private readonly poolInUse = new GaugeFamily('diretta_db_pool_connections_in_use', 'Connections of a pool running a statement or a transaction now.', ['pool'] as const).registerIn(this.registry);
  private readonly poolWaiting = new GaugeFamily('diretta_db_pool_waiting', 'Statements or transactions waiting for a connection of the pool (queued behind others).', ['pool'] as const).registerIn(
    this.registry,
  );
  readonly statements = new CounterFamily('diretta_db_statements_total', 'SQL statements sent to the database through drizzle.').registerIn(this.registry).child({});
  readonly databaseUp = new GaugeFamily('diretta_database_up', '1 when the database answers, 0 during an outage (checked at each scrape, as /ready does).').registerIn(this.registry).child({});
  readonly databaseOutages = new CounterFamily('diretta_database_outages_total', 'Database outages this instance saw begin (one log line each).').registerIn(this.registry).child({});
  readonly databaseUnavailableSeconds = new CounterFamily('diretta_database_unavailable_seconds_total', 'Seconds the database was unavailable to this instance, the current outage included.')
    .registerIn(this.registry)
    .child({});

  // Outboxes and the scheduler
  private readonly outboxPendingGauge = new GaugeFamily('diretta_outbox_pending', 'Rows of a durable outbox not yet delivered (webhooks, purge), as the database counts them.', ['outbox'] as const).registerIn(
    this.registry,
  );
  private readonly outboxAgeGauge = new GaugeFamily(
    'diretta_outbox_oldest_age_seconds',
    'Age of the oldest row of an outbox waiting for delivery (0 when none waits); webhooks paused by an admin are left out.',
    ['outbox'] as const,
  ).registerIn(this.registry);
  private readonly outboxDeliveries = new CounterFamily('diretta_outbox_deliveries_total', 'Delivery attempts of outbox rows by this instance, by outbox and outcome (delivered, failed: retried later).', [
    'outbox',
    'outcome',
  ] as const).registerIn(this.registry);
  readonly scheduledDue = new GaugeFamily('diretta_scheduler_due_entries', 'Scheduled entries whose time has come and that are not published yet.').registerIn(this.registry).child({});
  readonly scheduledLateness = new HistogramFamily('diretta_scheduler_lateness_seconds', 'How long after its time each scheduled entry was published.', LATENESS_BUCKETS).registerIn(this.registry).child({});
  readonly scheduledHeld = new CounterFamily('diretta_scheduler_held_total', 'Scheduled entries not published because their story had ended (back to draft).').registerIn(this.registry).child({});

  private readonly subscriberCells: Readonly<Record<Transport, Readonly<Record<SubscriberRole, GaugeCell>>>>;
  private readonly startedCells: Readonly<Record<Transport, Readonly<Record<SubscriberRole, CounterCell>>>>;
  private readonly endedCells: Readonly<Record<Transport, Readonly<Record<EndReason, CounterCell>>>>;
  private readonly deliveredCells: Readonly<Record<Transport, CounterCell>>;
  private readonly outboxCells: Readonly<Record<Outbox, { pending: GaugeCell; oldestAge: GaugeCell; deliveries: Readonly<Record<OutboxOutcome, CounterCell>> }>>;

  constructor(options: MetricsOptions) {
    this.operations = new OperationNames(this.requestDuration, options.maxOperationNames);
    // Every child bound now: every series exists from the start (a rate over a counter that appears
    // mid-way misses its first increase), and the hot path never builds a label set.
    this.refused = record(REFUSAL_LIMITS, (limit) => this.refusals.child({ limit }));
    this.subscriberCells = record(TRANSPORTS, (transport) => record(ROLES, (role) => this.subscriberGauge.child({ transport, role })));
    this.startedCells = record(TRANSPORTS, (transport) => record(ROLES, (role) => this.started.child({ transport, role })));
    this.endedCells = record(TRANSPORTS, (transport) => record(END_REASONS, (reason) => this.ended.child({ transport, reason })));
    this.deliveredCells = record(TRANSPORTS, (transport) => this.delivered.child({ transport }));
    this.outboxCells = record(OUTBOXES, (outbox) => ({
      pending: this.outboxPendingGauge.child({ outbox }),
      oldestAge: this.outboxAgeGauge.child({ outbox }),
      deliveries: record(OUTBOX_OUTCOMES, (outcome) => this.outboxDeliveries.child({ outbox, outcome })),
    }));
    this.databaseUp.set(1);
  }

  /** The gauge of subscribers open now on a transport: inc() when one starts, dec() when it ends (or set() for a count kept elsewhere). */
  subscribers(transport: Transport, role: SubscriberRole): GaugeCell {
    return this.subscriberCells[transport][role];
  }

  /**
   * A subscription began on `transport`: counts it and adds it to the subscribers now. Call the
   * returned function once when it ends, with why; further calls do nothing.
   */
  subscriptionStarted(transport: Transport, role: SubscriberRole): (reason: EndReason) => void {
    this.startedCells[transport][role].inc();
    const now = this.subscriberCells[transport][role];
    now.inc();
    let ended = false;
    return (reason) => {
      if (ended) return;
      ended = true;
      now.dec();
      this.endedCells[transport][this.shuttingDown ? 'shutdown' : reason].inc();
    };
  }

  /** The counter of events written to subscribers on a transport (one per subscriber; for grip, one per publish). */
  eventsDelivered(transport: Transport): CounterCell {
    return this.deliveredCells[transport];
  }

  /** The counter of delivery attempts of an outbox with that outcome. */
  outboxDelivery(outbox: Outbox, outcome: OutboxOutcome): CounterCell {
    return this.outboxCells[outbox].deliveries[outcome];
  }

  /** Records an outbox's backlog (what `watchOutbox` reads at each scrape). */
  outboxBacklog(outbox: Outbox, backlog: { pending: number; oldestAgeSeconds: number }): void {
    this.outboxCells[outbox].pending.set(backlog.pending);
    this.outboxCells[outbox].oldestAge.set(backlog.oldestAgeSeconds);
  }

  /**
   * Reads an outbox's backlog (pending rows, age of the oldest) whenever Prometheus scrapes; returns
   * the function that stops it. A read that fails or takes over 2 s leaves the last values shown.
   */
  watchOutbox(outbox: Outbox, read: () => Promise<{ pending: number; oldestAgeSeconds: number }>): () => void {
    return this.onScrape(async () => this.outboxBacklog(outbox, await read()));
  }

  /** A pool's size, and a way to report how many connections are in use and how many wait (at each scrape). */
  pool(pool: Pool, size: number, read: () => { inUse: number; waiting: number }): () => void {
    this.poolSize.child({ pool }).set(size);
    const inUse = this.poolInUse.child({ pool });
    const waiting = this.poolWaiting.child({ pool });
    return this.onScrape(() => {
      const now = read();
      inUse.set(now.inUse);
      waiting.set(now.waiting);
    });
  }

  /** Runs `refresh` before each scrape renders (gauges read from a source); returns the function that removes it. */
  onScrape(refresh: Refresh): () => void {
    this.refreshers.add(refresh);
    return () => this.refreshers.delete(refresh);
  }

  /** Turns on prom-client's process and Node.js collectors (CPU, memory, handles, GC, event-loop lag), `diretta_` prefixed. */
  collectDefaults(): void {
    if (this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'diretta_' });
    // Gauges named like counters (promtool refuses them): the same numbers are in their by-type
    // siblings (diretta_nodejs_active_handles{type=…} and so on), which stay.
    for (const name of ['diretta_nodejs_active_handles_total', 'diretta_nodejs_active_requests_total', 'diretta_nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition, in Prometheus' text format, every refresher run first. */
  async exposition(): Promise<string> {
    await Promise.all(
      [...this.refreshers].map(async (refresh) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([refresh(), new Promise((resolve) => (timer = setTimeout(resolve, REFRESH_TIMEOUT_MS)))]);
        } catch {
          // The source could not be read (the database is away): its gauges keep their last values.
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return this.registry.metrics();
  }
}

function record<K extends string, V>(keys: readonly K[], make: (key: K) => V): Readonly<Record<K, V>> {
  return Object.fromEntries(keys.map((key) => [key, make(key)])) as Record<K, V>;
}
