/**
 * The mark of a subscription stream the bus pushes to its outlet
 * (src/plugins/shared-event-execution.ts). Such a stream never yields a
 * result through envelop, so the plugins that map each result skip it. A
 * module of its own, so that those plugins need not import the shared
 * execution (which imports them).
 */
export const PUSHED_STREAM: unique symbol = Symbol('diretta.pushedStream');

/** Whether a subscription's result is a stream the bus pushes to. */
export function isPushedStream(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { [PUSHED_STREAM]?: unknown })[PUSHED_STREAM] === true;
}
