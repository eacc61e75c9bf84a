/**
 * Editors are never stuck behind readers. Under a full read load the event
 * loop runs every ready request before it comes back to any one of them, so
 * a publish (a dozen database round trips, each resumed only on the loop's
 * next turn) waited a whole turn per round trip: ~0.5 s behind 50 busy
 * reader connections. While a request with a token (an editor's; every
 * mutation needs one) is in flight, anonymous requests are held back
 * instead — for `maxHoldMs` at most, so that readers are delayed, never
 * starved — and released in arrival order as soon as the last such request
 * has ended.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class WritePriority {
  private writers = 0;
  private held: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Requests held back so far, for tests and logs. */
  heldCount = 0;

  /** Requests with a token in flight now. */
  get writersInFlight(): number {
    return this.writers;
  }

  constructor(private readonly maxHoldMs: number) {}

  /**
   * Runs `handle` now, or later if an editor's request is in flight and this
   * one has no token. A request with a token runs now and holds back the
   * anonymous ones until its response is finished.
   */
  admit(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    if (req.headers.authorization !== undefined) {
      // A subscription over SSE (a POST that streams for as long as the ticker is open) is not a write.
      if (req.method === 'POST' && !req.headers.accept?.includes('text/event-stream')) {
        this.writers++;
        res.once('close', () => {
          if (--this.writers === 0) this.release();
        });
      }
      handle();
      return;
    }
    if (this.writers === 0 || this.maxHoldMs <= 0) {
      handle();
      return;
    }
    this.heldCount++;
    this.held.push(handle);
    this.timer ??= setTimeout(() => this.release(), this.maxHoldMs);
  }

  private release() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    this.held = [];
    for (const handle of held) handle();
  }
}
