/**
 * The live bus: one LISTEN connection per API instance, and in-process
 * fan-out to every subscriber of a story.
 *
 * A NOTIFY only says "story S has a new event"; the bus then loads every
 * event of S after the last one it dispatched, in sequence order, once for
 * all its subscribers. Because it always asks for "everything after my last
 * seq", a lost or reordered notification cannot cause a gap; and when the
 * LISTEN connection comes back after a drop, the bus asks again for every
 * story it follows, so events committed while it was deaf are not lost.
 *
 * A subscriber that resumes after a cursor is registered first, then the
 * events between its cursor and the story's current seq are replayed (from
 * memory when the bus still has them, else from the log); live events that
 * arrive meanwhile wait in its queue and are delivered after the replay,
 * skipping anything at or below what was already delivered.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { LIVE_OUTAGE_WAIT_MS, retryWhileUnavailable } from '../db/outage.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { stories } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { EVENTS_CHANNEL } from './append-event.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { type LiveEvent, loadEvents, redacted } from './load-events.js';

export interface BusOptions {
  /** Events kept per followed story, to replay a resuming subscriber without a query. */
  recentEvents: number;
  /** Events loaded per query while catching up. */
  batchSize: number;
  /** Undelivered events a subscriber may accumulate before it is cut off as a slow consumer. */
  maxQueue: number;
  /** Events dispatched, delivery lags, stories followed. */
  metrics?: Metrics | null | undefined;
  /** A span per dispatched event, until its last subscriber is done with it. */
  tracing?: Tracing | null | undefined;
}

/**
 * Where a caught-up subscriber's events go when its consumer takes them
 * pushed rather than pulled (LiveIterator.live): the bus calls `event`
 * synchronously as it dispatches, in order, without gaps or duplicates —
 * no promise, no iterator step per subscriber per event. The sink owns the
 * event's delivery count from then on: it calls `event.delivery?.done()`
 * once it has written the event (or skipped it, or given up on it).
 */
export interface LiveSink {
  event(event: LiveEvent): void;
  /** The stream ended: the bus stopped (no error), or the sink's owner failed it. */
  end(error?: unknown): void;
  /** Nothing handed to it is still waiting to be written (the bus's chunked delivery waits on it). */
  readonly idle: boolean;
}

/** The bus's stream of a story's events: pulled as an async iterator, or pushed once caught up (see live). */
export interface LiveIterator extends AsyncIterableIterator<LiveEvent> {
  /**
   * Switches to push delivery if the subscriber has caught up (its replay is
   * over and nothing waits in its queue): from then on each new event goes
   * straight to `sink.event` and next() is no longer called. Returns false
   * when it has not caught up yet (or has ended): pull once more and ask again.
   */
  live(sink: LiveSink): boolean;
  /** Registers the subscriber's start (where its replay begins) without waiting for an event: live() may then succeed at once. */
  begin(): Promise<void>;
}

/** A subscriber fell more than `maxQueue` events behind; it should resume from its last cursor. */
export class SlowConsumerError extends Error {
  constructor() {
    super('Slow consumer: too many undelivered events; resume from your last cursor.');
  }
}

class Subscriber {
  private queue: LiveEvent[] = [];
  private wake: (() => void) | null = null;
  /** The event last handed to the consumer: it is done with it once it asks for the next one. */
  private current: LiveEvent | null = null;
  closed = false;
  overflowed = false;
  /** Once caught up and pushed to (LiveIterator.live): where its events go, and the last seq it got. */
  sink: LiveSink | null = null;
  delivered = 0;

  constructor(
    private readonly maxQueue: number,
    private readonly handed: { pulled: number; pushed: number },
    private readonly onOverflow: (() => void) | undefined,
  ) {}

  get queued() {
    return this.queue.length;
  }

  /** Waiting for an event: whatever it was handed last has gone all the way down to its socket. */
  get idle() {
    if (this.sink) return this.sink.idle;
    return this.wake !== null || this.closed || this.overflowed;
  }

  push(event: LiveEvent) {
    if (this.sink) {
      if (event.row.seq <= this.delivered) {
        event.delivery?.done(true);
        return;
      }
      this.delivered = event.row.seq;
      this.handed.pushed++;
      this.sink.event(event);
      return;
    }
    if (this.closed || this.overflowed) {
      event.delivery?.done(false);
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      // Holding more would let one stalled reader grow the server's memory without bound.
      // Its consumer may be blocked on a full socket and never pull again: tell its owner now.
      this.overflowed = true;
      event.delivery?.done(false);
      this.abandon();
      this.onOverflow?.();
    } else {
      this.queue.push(event);
    }
    this.wake?.();
  }

  close() {
    this.closed = true;
    const sink = this.sink;
    this.sink = null;
    sink?.end();
    this.wake?.();
  }

  /** Caught up: hands every later event straight to `sink` (see LiveIterator.live). */
  goLive(sink: LiveSink, delivered: number): boolean {
    if (this.closed || this.overflowed || this.queue.length > 0) return false;
    if (this.current) {
      // Its consumer is back for more: the last one went all the way to the socket.
      this.current.delivery?.done(true);
      this.current = null;
    }
    this.delivered = delivered;
    this.sink = sink;
    return true;
  }

  /** The consumer has left: nothing it holds or waits for will reach its socket. */
  abandon() {
    this.closed = true;
    this.sink = null;
    this.current?.delivery?.done(false);
    this.current = null;
    for (const event of this.queue) event.delivery?.done(false);
    this.queue = [];
    this.wake?.();
  }

  async take(): Promise<LiveEvent | null> {
    if (this.current) {
      // Asked for the next one: the last went all the way to the socket (or a filter skipped it).
      this.current.delivery?.done(true);
      this.current = null;
    }
    while (this.queue.length === 0 && !this.closed && !this.overflowed) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    if (this.overflowed) throw new SlowConsumerError();
    const event = this.queue.shift() ?? null;
    if (event) this.handed.pulled++;
    if (event?.delivery) this.current = event;
    return event;
  }
}

interface Channel {
  storyId: number;
  /** Seq of the last event dispatched to subscribers. */
  lastSeq: number;
  subscribers: Set<Subscriber>;
  recent: LiveEvent[];
  catchingUp: Promise<void> | null;
  again: boolean;
  ready: Promise<void>;
  /** Events dispatched but not yet handed to every subscriber, in order (see deliver). */
  outbox: LiveEvent[];
  delivering: boolean;
}

/** Subscribers handed an event at once before the bus waits for them to send it (see deliver). */
const DELIVERY_CHUNK = 256;

export class LiveBus {
  private channels = new Map<number, Channel>();
  private unlisten: (() => Promise<void>) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Shutting down: a subscription that arrives now ends at once rather than hold the server open. */
  private stopped = false;
  /** Event rows loaded from the log, live or for replays: once per event per instance, whatever the subscribers. */
  private eventsLoaded = 0;
  /** Events handed out: pulled through a subscriber's iterator, or pushed to its sink by the dispatch loop (tests count them). */
  private readonly handed = { pulled: 0, pushed: 0 };
  /** Called with each new event before it is handed to subscribers (the response cache's eventDispatched). */
  beforeDelivery: ((event: LiveEvent) => void) | null = null;
  private readonly metrics: Metrics | null;
  private readonly tracing: Tracing | null;

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    private readonly options: BusOptions = { recentEvents: 256, batchSize: 500, maxQueue: 1_000 },
  ) {
    this.metrics = options.metrics ?? null;
    this.tracing = options.tracing ?? null;
    this.metrics?.onScrape(() => {
      this.metrics!.eventsLoaded.value = this.eventsLoaded;
      this.metrics!.storiesFollowed.set(this.channels.size);
    });
  }

  async start(): Promise<void> {
    let listening = false;
    this.unlisten = await this.database.listen(EVENTS_CHANNEL, {
      onNotify: (payload) => this.onNotify(payload),
      onListen: () => {
        // NOTIFYs sent while LISTEN was down are lost: the log has them.
        if (listening) this.log.info({ stories: this.channels.size }, 'LISTEN restored after a lost connection; catching up every followed story');
        else this.log.debug('LISTEN is in place');
        listening = true;
        for (const channel of this.channels.values()) this.catchUp(channel);
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const channel of this.channels.values()) for (const subscriber of channel.subscribers) subscriber.close();
    this.channels.clear();
    await this.unlisten?.().catch(() => {});
  }

  /** Stories followed, subscribers and the longest queue of undelivered events, for logs and tests. */
  stats() {
    let subscribers = 0;
    let longestQueue = 0;
    for (const channel of this.channels.values()) {
      subscribers += channel.subscribers.size;
      for (const subscriber of channel.subscribers) longestQueue = Math.max(longestQueue, subscriber.queued);
    }
    return { stories: this.channels.size, subscribers, longestQueue, eventsLoaded: this.eventsLoaded, pulled: this.handed.pulled, pushed: this.handed.pushed };
  }

  /**
   * The events of a story after `afterSeq` (or from now when null), in order,
   * without gaps or duplicates, until the consumer stops iterating. A consumer
   * more than `maxQueue` events behind is dropped: `onOverflow` is called at
   * once and the iterator throws SlowConsumerError when next pulled.
   *
   * A hand-written iterator rather than an async generator: a generator's
   * `return()` waits until it next yields, so a ticker leaving a quiet story
   * would stay registered until the story's next event — on an ended story,
   * for ever. Here `return()` unregisters at once.
   */
  subscribe(storyId: number, afterSeq: number | null, options: { onOverflow?: () => void } = {}): LiveIterator {
    if (this.stopped) {
      const ended: LiveIterator = {
        [Symbol.asyncIterator]: () => ended,
        next: async () => ({ done: true, value: undefined }),
        return: async () => ({ done: true, value: undefined }),
        live: () => false,
        begin: async () => {},
      };
      return ended;
    }
    return new StoryStream(this, this.channelFor(storyId), afterSeq, options.onOverflow);
  }

  /** A stream's subscriber leaves its story's channel; the channel goes with its last subscriber (see StoryStream). */
  leave(channel: Channel, subscriber: Subscriber): void {
    channel.subscribers.delete(subscriber);
    // Only if it is still this story's channel: a newer one may have replaced it meanwhile.
    if (channel.subscribers.size === 0 && this.channels.get(channel.storyId) === channel) this.channels.delete(channel.storyId);
  }

  /** A new subscriber of a channel (see StoryStream). */
  join(channel: Channel, onOverflow: () => void): Subscriber {
    const subscriber = new Subscriber(this.options.maxQueue, this.handed, onOverflow);
    channel.subscribers.add(subscriber);
    return subscriber;
  }

  private channelFor(storyId: number): Channel {
    const existing = this.channels.get(storyId);
    if (existing) return existing;
    const channel: Channel = {
      storyId,
      lastSeq: 0,
      subscribers: new Set(),
      recent: [],
      catchingUp: null,
      again: false,
      ready: Promise.resolve(),
      outbox: [],
      delivering: false,
    };
    channel.ready = (async () => {
      const [story] = await this.patiently(() => this.database.db.select({ lastSeq: stories.lastEventSeq }).from(stories).where(eq(stories.id, storyId)));
      channel.lastSeq = story?.lastSeq ?? 0;
    })();
    // A channel that could not start must not be reused by the next subscriber.
    channel.ready.catch(() => {
      if (this.channels.get(storyId) === channel) this.channels.delete(storyId);
    });
    // Notifications that arrived while we read lastSeq were ignored: look once more.
    void channel.ready.then(
      () => this.catchUp(channel),
      () => {},
    );
    this.channels.set(storyId, channel);
    return channel;
  }

  /** The events of a channel after `afterSeq` up to `upToSeq`: from memory when it still holds them, else from the log (see StoryStream). */
  async *replay(channel: Channel, afterSeq: number, upToSeq: number): AsyncGenerator<LiveEvent> {
    let from = afterSeq;
    const oldest = channel.recent[0];
    if (oldest && oldest.row.seq <= from + 1) {
      // A copy: dispatch keeps shifting the buffer while this replay is suspended.
      const recent = channel.recent.filter((event) => event.row.seq > from && event.row.seq <= upToSeq);
      // Each event shows its entry as the event left it, as the live stream did; except what a later
      // retraction took down (see redacted in ./load-events.ts).
      const latest = new Map<number, LiveEvent>();
      for (const event of channel.recent) if (event.row.entryId !== null) latest.set(event.row.entryId, event);
      for (const event of recent) {
        const newest = event.row.entryId === null ? undefined : latest.get(event.row.entryId);
        if (!event.entry || !newest?.entry) yield event;
        // A taken-down entry's mentions were erased with its text: filters must not reveal them either.
        else if (newest.entry.takenDownAt) yield { ...event, entry: redacted(event.entry, newest.entry), mentions: { Person: new Set<number>(), Place: new Set<number>() } };
        else yield { ...event, entry: redacted(event.entry, newest.entry) };
      }
      return;
    }
    while (from < upToSeq) {
      const batch = await this.patiently(() => loadEvents(this.database.db, channel.storyId, from, { upToSeq, limit: this.options.batchSize }));
      this.eventsLoaded += batch.length;
      if (batch.length === 0) return;
      for (const event of batch) yield event;
      from = batch.at(-1)!.row.seq;
    }
  }

  private onNotify(payload: string) {
    const storyId = Number(payload.split(':')[0]);
    const seq = Number(payload.split(':')[1]);
    const channel = this.channels.get(storyId);
    if (channel && seq > channel.lastSeq) this.catchUp(channel);
  }

  /** Loads and dispatches everything after the channel's last seq; coalesces concurrent calls. */
  private catchUp(channel: Channel) {
    if (channel.catchingUp) {
      channel.again = true;
      return;
    }
    channel.catchingUp = (async () => {
      try {
        await channel.ready;
        do {
          channel.again = false;
          const batch = await this.database.outage.observe(() => loadEvents(this.database.db, channel.storyId, channel.lastSeq, { limit: this.options.batchSize }));
          this.eventsLoaded += batch.length;
          for (const event of batch) this.dispatch(channel, event);
          if (batch.length === this.options.batchSize) channel.again = true;
        } while (channel.again);
      } catch (error) {
        // The database is unreachable: try again shortly; LISTEN's return will also trigger a catch-up.
        if (!isDatabaseUnavailable(error)) this.log.warn({ err: error, storyId: channel.storyId }, 'could not load new events; retrying');
        this.scheduleRetry();
      } finally {
        channel.catchingUp = null;
      }
    })();
  }

  private dispatch(channel: Channel, event: LiveEvent) {
    if (event.row.seq <= channel.lastSeq) return;
    // Before any subscriber sees it: the response cache drops what it touched (the freshness contract).
    this.beforeDelivery?.(event);
    if (this.metrics || this.tracing) this.track(event);
    channel.lastSeq = event.row.seq;
    channel.recent.push(event);
    if (channel.recent.length > this.options.recentEvents) channel.recent.shift();
    channel.outbox.push(event);
    if (!channel.delivering) void this.deliver(channel);
  }

  /**
   * Hands each event to every subscriber, a few hundred at a time, waiting
   * between two chunks until the first has sent it on (its subscribers are
   * waiting for the next event again) or a few milliseconds have passed.
   *
   * Why not all at once: every subscriber's event then travels down its
   * chain of async iterators (bus, resolver, execution, graphql-ws) one
   * step at a time for all of them together, so no socket is written before
   * the last subscriber has been through every step, and 10,000 half-done
   * deliveries sit in memory at once (garbage collection dominated). Chunks
   * let the first sockets receive the event while the last ones are still
   * waiting, as a plain broadcast loop would. Events still reach each
   * subscriber in order: the next event waits for the previous one to be
   * handed to everyone.
   */
  private async deliver(channel: Channel) {
    channel.delivering = true;
    try {
      for (let event = channel.outbox.shift(); event; event = channel.outbox.shift()) {
        const subscribers = [...channel.subscribers];
        event.delivery?.handedTo(subscribers.length);
        event.delivery?.span?.setAttribute('diretta.subscribers', subscribers.length);
        for (let from = 0; from < subscribers.length; from += DELIVERY_CHUNK) {
          const chunk = subscribers.slice(from, from + DELIVERY_CHUNK);
          for (const subscriber of chunk) subscriber.push(event);
          if (from + DELIVERY_CHUNK >= subscribers.length) break;
          // The first chunk also waits for the event's shared execution (a few queries).
          const deadline = performance.now() + (from === 0 ? 100 : 10);
          do await new Promise<void>((resolve) => setImmediate(resolve));
          while (performance.now() < deadline && !chunk.every((s) => s.idle));
        }
        event.delivery?.release();
      }
    } finally {
      channel.delivering = false;
    }
  }

  /**
   * Measures an event from its commit to its dispatch now, and from now to
   * the last socket it is written to (./delivery-tracker.ts); with tracing,
   * a span covers the same stretch.
   */
  private track(event: LiveEvent) {
    const { metrics, tracing } = this;
    if (metrics) {
      metrics.eventsDispatched.inc();
      metrics.commitToDispatch.observe(Math.max(0, Date.now() - event.row.occurredAt.getTime()) / 1000);
    }
    const span = tracing?.startRoot('dispatch story event', {
      'diretta.story.id': event.row.storyId,
      'diretta.event.seq': event.row.seq,
      'diretta.event.kind': event.row.kind,
    });
    event.delivery = new DeliveryTracker(performance.now(), span ?? null, (tracker, lastWrittenAt) => {
      if (lastWrittenAt !== null) metrics?.dispatchToWritten.observe((lastWrittenAt - tracker.dispatchedAt) / 1000);
      span?.end();
    });
  }

  /** Replays and channel starts wait through a database restart rather than fail their subscribers. */
  private patiently<T>(work: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(work, { waitMs: LIVE_OUTAGE_WAIT_MS, outage: this.database.outage });
  }

  private scheduleRetry() {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      for (const channel of this.channels.values()) this.catchUp(channel);
    }, 1_000);
    this.retryTimer.unref();
  }
}

const DONE: IteratorResult<LiveEvent> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber's stream of a story's events (LiveBus.subscribe): a replay
 * after its cursor, then the live events, pulled or pushed once caught up.
 * A class rather than closures: a reader holds one for hours, and thousands
 * of readers hold thousands, so its methods live once, on the prototype.
 */
class StoryStream implements LiveIterator {
  private readonly subscriber: Subscriber;
  private started: Promise<void> | null = null;
  private begun = false;
  private delivered = 0;
  private replaying: AsyncGenerator<LiveEvent> | null = null;

  constructor(
    private readonly bus: LiveBus,
    private readonly channel: Channel,
    private readonly afterSeq: number | null,
    private readonly onOverflow: (() => void) | undefined,
  ) {
    this.subscriber = bus.join(channel, this.overflowed);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private readonly overflowed = () => {
    this.leave();
    this.onOverflow?.();
  };

  private leave() {
    this.bus.leave(this.channel, this.subscriber);
  }

  /** Where the replay begins, once the channel knows its last event: once. */
  private start(): Promise<void> {
    return (this.started ??= (async () => {
      await this.channel.ready;
      const upTo = this.channel.lastSeq;
      this.delivered = this.afterSeq ?? upTo;
      if (this.delivered < upTo) this.replaying = this.bus.replay(this.channel, this.delivered, upTo);
    })());
  }

  live(sink: LiveSink): boolean {
    return this.begun && this.replaying === null && this.subscriber.goLive(sink, this.delivered);
  }

  async begin(): Promise<void> {
    if (this.begun) return;
    try {
      await this.start();
      this.begun = true;
      // The settled promise is of no more use; a reader holds its stream for hours.
      this.started = null;
    } catch (error) {
      this.leave();
      throw error;
    }
  }

  async next(): Promise<IteratorResult<LiveEvent>> {
    try {
      if (!this.begun) await this.begin();
      if (this.replaying) {
        const replayed = await this.replaying.next();
        if (!replayed.done && !this.subscriber.closed) {
          this.delivered = replayed.value.row.seq;
          return replayed;
        }
        this.replaying = null;
      }
      for (;;) {
        const event = await this.subscriber.take();
        if (!event) {
          this.leave();
          return DONE;
        }
        if (event.row.seq <= this.delivered) continue;
        this.delivered = event.row.seq;
        return { done: false, value: event };
      }
    } catch (error) {
      this.leave();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<LiveEvent>> {
    this.subscriber.abandon();
    this.leave();
    await this.replaying?.return(undefined);
    return DONE;
  }
}
