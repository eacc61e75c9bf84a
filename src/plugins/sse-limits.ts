/**
 * Server-Sent Events streams are connections too: each holds a subscription
 * (and, when resuming, a replay) for as long as the client stays. WebSockets
 * are capped per client address at the upgrade (src/transport/websocket.ts);
 * this caps SSE subscriptions per address the same way, so that one address
 * cannot open hundreds of streams over HTTP instead.
 */
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import { clientError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';

export function useSseLimits(limits: Pick<Limits, 'maxConnectionsPerAddress'>, metrics: Metrics | null = null): Plugin<Context> {
  const open = new Map<string, number>();
  const release = (address: string) => {
    const left = (open.get(address) ?? 1) - 1;
    if (left <= 0) open.delete(address);
    else open.set(address, left);
  };
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      if (ctx.connection?.kind === 'graphql-ws') return undefined; // capped at the upgrade
      const address = ctx.clientAddress;
      const count = open.get(address) ?? 0;
      if (count >= limits.maxConnectionsPerAddress) {
        metrics?.refused.streamsPerAddress.inc();
        setResultAndStopExecution({
          errors: [clientError('RATE_LIMITED', `At most ${limits.maxConnectionsPerAddress} live streams per client address.`, { http: { status: 429 } })],
          data: null,
        });
        return undefined;
      }
      open.set(address, count + 1);
      let released = false;
      let streaming = false;
      const done = () => {
        if (released) return;
        released = true;
        release(address);
        if (streaming) ctx.log.debug('SSE subscription ended');
      };
      return {
        onSubscribeResult({ result }) {
          if (!(typeof result === 'object' && result !== null && Symbol.asyncIterator in result)) return done();
          streaming = true;
          // A stream the transport ends itself says so (src/transport/sse-streams.ts).
          if (ctx.connection?.whenEnded?.(done)) return undefined;
          return { onEnd: done };
        },
        onSubscribeError: done,
      };
    },
  };
}
