/**
 * When to try a failed delivery again: exponential backoff with "full
 * jitter" (a random wait between half and all of the exponential step), so
 * that subscriptions failing together do not retry in lockstep.
 */
export function retryDelayMs(failedAttempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 40));
  return Math.round(step / 2 + random() * (step / 2));
}
