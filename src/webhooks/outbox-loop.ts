/**
 * The loop that drains an outbox written in the transactions of the changes
 * it carries: the webhook deliveries (./deliverer.ts) and the edge purges
 * (src/edge/drainer.ts). A NOTIFY of a committed change wakes it at once; a
 * timer wakes it for retries that came due and for rows an instance that
 * died left behind. One round runs at a time; a wake-up during a round runs
 * another after it, so nothing committed is left waiting for the timer.
 */
import type { Database } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Logger } from '../logger.js';

export interface OutboxLoopOptions {
  /** NOTIFY channels whose notifications mean new rows. */
  channels: string[];
  pollIntervalMs: number;
  /** One round: claims and sends what is due; true when it did something (another round follows at once). */
  round(): Promise<boolean>;
  /** What the log calls a failed round. */
  name: string;
}

export class OutboxLoop {
  private stopping = false;
  private wanted = false;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>)[] = [];

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    private readonly options: OutboxLoopOptions,
  ) {}

  async start(): Promise<void> {
    for (const channel of this.options.channels) {
      this.unlisten.push(await this.database.listen(channel, { onNotify: () => this.wake(), onListen: () => this.wake() }));
    }
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops waking; the round under way finishes. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.unlisten.map((stop) => stop().catch(() => {})));
    await this.running;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  wake(): void {
    if (this.stopping) return;
    this.wanted = true;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.wanted && !this.stopping) {
      this.wanted = false;
      try {
        // Something done may let the next rows go: look again straight away.
        if (await this.database.outage.observe(() => this.options.round())) this.wanted = true;
      } catch (error) {
        // The database is away (a restart, an outage): logged once per outage (by the outage log); the next tick tries again.
        if (!isDatabaseUnavailable(error)) this.log.warn({ err: error }, `${this.options.name} round failed`);
      }
    }
  }
}

/** One line on why an HTTP attempt failed: a status, a timeout, or the network error's code. */
export function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
