/**
 * Editors are never stuck behind readers. Under a full read load the event
 * loop runs every ready request before it comes back to any one of them, so
 * a publish (a dozen database round trips, each resumed only on the loop's
 * next turn) waited a whole turn per round trip: ~0.5 s behind 50 busy
 * reader connections. While a writer's request (a POST whose bearer token
 * verifies as an editor's or an admin's; every mutation needs one) is in
 * flight, anonymous requests are held back instead — for `maxHoldMs` at
 * most, so that readers are delayed, never starved — and released in
 * arrival order as soon as the last such request has ended.
 *
 * Only a verified token counts: an Authorization header anyone can type
 * (`Bearer junk`, sent with a body trickled a byte a second) once held every
 * anonymous request for as long as the body took. Such a request is served
 * like any reader's, and answered 401 UNAUTHENTICATED when its body is in
 * (src/app.ts verifies the token again for the operation's context).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Whether an Authorization header carries a valid token of someone who may write. Never throws. */
export type VerifyWriter = (authorization: string) => Promise<boolean>;

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

  /** Authorization headers that did not verify as a writer's, for tests and logs. */
  refusedCount = 0;

  constructor(
    private readonly maxHoldMs: number,
    private readonly verifyWriter: VerifyWriter,
  ) {}

  /**
   * Runs `handle` now, or later if a writer's request is in flight and this
   * one has no token. A request with a token runs now; once its token has
   * verified as a writer's, it holds back the anonymous ones until its
   * response is finished.
   */
  admit(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      // A subscription over SSE (a POST that streams for as long as the ticker is open) is not a write.
      if (req.method === 'POST' && !req.headers.accept?.includes('text/event-stream')) this.prioritise(authorization, res);
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

  private prioritise(authorization: string, res: ServerResponse) {
    let closed = false;
    let counted = false;
    res.once('close', () => {
      closed = true;
      if (counted && --this.writers === 0) this.release();
    });
    void this.verifyWriter(authorization).then((writer) => {
      if (!writer) {
        this.refusedCount++;
        return;
      }
      // Answered (or gone) before its token was checked: nothing to hold readers for.
      if (closed) return;
      counted = true;
      this.writers++;
    });
  }

  private release() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    this.held = [];
    for (const handle of held) handle();
  }
}
