/**
 * A sweep over every open connection (WebSocket pings and liveness, SSE
 * keep-alive comments) spread out in time: a slice of them at a time, the
 * next slice a few milliseconds later. Done in one loop, a sweep over
 * 10,000 sockets is 10,000 writes that hold the event loop for a few hundred
 * milliseconds, and an event published meanwhile waits for all of them (the
 * fan-out benchmark saw one event in twenty delayed by 500 ms that way).
 * Spread out, an event waits for one slice at most.
 */
export const SWEEP_SLICE = 256;
export const SWEEP_GAP_MS = 5;

/** Visits every item of `items` as they are now (a connection closed meanwhile is visited too: `visit` checks), a slice at a time. */
export function spreadSweep<T>(items: Iterable<T>, visit: (item: T) => void, slice = SWEEP_SLICE, gapMs = SWEEP_GAP_MS): void {
  const all = Array.from(items);
  let at = 0;
  const step = () => {
    const end = Math.min(at + slice, all.length);
    for (; at < end; at++) visit(all[at]!);
    if (at < all.length) setTimeout(step, gapMs).unref();
  };
  step();
}
