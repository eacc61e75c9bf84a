/**
 * Rate limits for mutations and for expensive queries, per token subject
 * (or, for anonymous callers, per client address). Token buckets refilled
 * continuously, kept in memory: each API instance limits on its own.
 */
import { type DocumentNode, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { Context } from '../context.js';
import type { Metrics, RefusalLimit } from '../observability/metrics.js';
import { expensiveWeight, isExpensive, operationCost } from './cost.js';

export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private sweeps = 0;

  constructor(private readonly perMinute: number) {}

  /** Takes `count` tokens (at most a minute's worth); returns 0 when allowed, else the seconds until they are available. */
  take(key: string, count = 1, now = Date.now()): number {
    const needed = Math.min(count, this.perMinute);
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (++this.sweeps % 10_000 === 0) this.sweep(now);
    if (bucket.tokens >= needed) {
      bucket.tokens -= needed;
      return 0;
    }
    return Math.ceil((needed - bucket.tokens) / rate / 1000);
  }

  /** Full buckets carry no information: drop them so memory follows active callers only. */
  private sweep(now: number) {
    for (const [key, bucket] of this.buckets) if (bucket.tokens + (now - bucket.at) * (this.perMinute / 60_000) >= this.perMinute) this.buckets.delete(key);
  }
}

export function limited(what: string, retryAfter: number) {
  return new GraphQLError(`Too many ${what}: try again in ${retryAfter} s.`, {
    extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: { 'retry-after': String(retryAfter) } } },
  });
}

export function useRateLimits(limits: Limits, metrics: Metrics | null = null): Plugin<Context> {
  const mutations = new TokenBuckets(limits.rateLimitMutations);
  const expensive = new TokenBuckets(limits.rateLimitExpensive);
  // Reading a text (analyzeText) is a few milliseconds of one core per 20,000 characters: metered in characters.
  const analyses = new TokenBuckets(limits.analyzeTextCharsPerMinute);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const document = args.document as DocumentNode;
      const operation = getOperationAST(document, args.operationName);
      if (!operation) return;
      const key = ctx.viewer.subject ? `sub:${ctx.viewer.subject}` : `ip:${ctx.clientAddress}`;
      let wait = 0;
      let what = '';
      let limit: RefusalLimit = 'mutations';
      if (operation.operation === 'mutation' && limits.rateLimitMutations > 0) {
        wait = mutations.take(key);
        what = 'mutations';
      } else if (operation.operation === 'query') {
        if (limits.rateLimitExpensive > 0 && isExpensive(args, limits)) {
          wait = expensive.take(key, expensiveWeight(args));
          what = 'expensive queries (search, or large pages)';
          limit = 'expensive';
        }
        // The whole operation's text at once, before any of it is read: nothing is analysed and then thrown away.
        const { analyzed } = operationCost(args);
        if (wait === 0 && analyzed > 0 && limits.analyzeTextCharsPerMinute > 0) {
          wait = analyses.take(key, analyzed);
          what = 'text to analyse (analyzeText, ANALYZE_TEXT_CHARS_PER_MINUTE characters a minute)';
          limit = 'analyzeText';
        }
      }
      if (wait > 0) {
        metrics?.refused[limit].inc();
        ctx.log.warn({ key, what }, 'rate limited');
        setResultAndStopExecution({ errors: [limited(what, wait)], data: null });
      }
    },
  };
}
