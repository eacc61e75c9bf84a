/**
 * The request metrics' records of running HTTP requests (src/plugins/request-metrics.ts): each removed when
 * its request ends, and those of requests that never ended dropped once the map is large and they are old,
 * so that a request whose result never came holds nothing for ever. And the hooks they leave a cached read.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metrics } from '../src/observability/metrics.js';
import { RunningRequests, createRequestMetrics } from '../src/plugins/request-metrics.js';

const request = (i: number) => new Request(`http://diretta.test/graphql?i=${i}`);

describe('running requests', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a record from parameters to result, then none', () => {
    const running = new RunningRequests();
    const r = request(0);
    running.start(r, { query: '{ __typename }' });
    expect(running.get(r)?.params.query).toBe('{ __typename }');
    expect(running.size).toBe(1);
    expect(running.end(r)?.operation).toBeNull();
    expect(running.get(r)).toBeUndefined();
    expect(running.end(r)).toBeUndefined();
    expect(running.size).toBe(0);
  });

  it('drops the records of requests that never ended, once there are many and they are a minute old', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const running = new RunningRequests();
    for (let i = 0; i < 10_000; i++) running.start(request(i), {});
    vi.advanceTimersByTime(30_000);
    running.start(request(10_000), {});
    // Half a minute old: kept.
    expect(running.size).toBe(10_001);
    vi.advanceTimersByTime(31_000);
    const recent = request(10_001);
    running.start(recent, {});
    // The first 10,000 were over a minute old; the one started 31 s ago and the new one stay.
    expect(running.size).toBe(2);
    expect(running.get(recent)).toBeDefined();
  });
});

describe('request metrics and the cached read', () => {
  it('add no hook of their own that a request answered from the response cache runs', () => {
    // Yoga runs each plugin's request-level hooks for every request, each with its own payload, closures and
    // promise plumbing: on a cached read that cost more than the timing itself (docs/operations.md, "Cost of
    // the metrics"). HTTP requests are reported by the response cache's hooks instead (HttpRequestObserver).
    const { plugin } = createRequestMetrics(new Metrics({ maxOperationNames: 10 }));
    expect(Object.keys(plugin).sort()).toEqual(['onExecute', 'onSubscribe']);
  });
});
