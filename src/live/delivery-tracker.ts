/**
 * How long one event takes from its dispatch to the last socket it is
 * written to (diretta_delivery_dispatch_to_written_seconds), and the end of
 * its dispatch span when tracing.
 *
 * The bus hands the event to N subscribers; each is done with it when its
 * consumer asks for the next event, which graphql-ws does only once the
 * previous message's write has completed (a filter that skips the event
 * counts too), or when it leaves. The last one done ends the measure.
 */
import type { Span } from '../observability/tracing.js';

export class DeliveryTracker {
  /** One for the bus itself until it has handed the event to every subscriber (see release). */
  private pending = 1;
  private handed = 0;
  private lastWrittenAt: number | null = null;

  constructor(
    /** performance.now() at dispatch. */
    readonly dispatchedAt: number,
    /** The dispatch span, when tracing: shared executions of the event run under it. */
    readonly span: Span | null,
    private readonly finished: (tracker: DeliveryTracker, lastWrittenAt: number | null, subscribers: number) => void,
  ) {}

  /** Whether some subscriber may still be working on the event. */
  get open(): boolean {
    return this.pending > 0;
  }

  handedTo(subscribers: number): void {
    this.pending += subscribers;
    this.handed += subscribers;
  }

  /** The bus has handed the event to every subscriber it had. */
  release(): void {
    this.settle();
  }

  /** One subscriber is done with it: `written` when its consumer went on to the next event, not when it left. */
  done(written: boolean): void {
    if (written) this.lastWrittenAt = performance.now();
    this.settle();
  }

  private settle() {
    if (--this.pending === 0) this.finished(this, this.lastWrittenAt, this.handed);
  }
}
