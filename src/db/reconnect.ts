/**
 * How fast a postgres.js pool connects again after losing its connections.
 * The driver's default backoff grows with every failed connection of the
 * pool, up to 20 s: after a restart, LISTEN (and with it live delivery)
 * came back seconds late. Reconnect fast instead: 50 ms doubling to 1 s.
 */
export const reconnectBackoff = (retries: number): number => Math.min(0.05 * 2 ** retries, 1);
