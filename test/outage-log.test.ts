/**
 * The outage log counts one outage per outage: a failure from an attempt
 * that began before the database answered again (or in the moment after,
 * while connections opened during its start-up are still refused) is a
 * straggler of the outage that just ended (a busy instance has many in
 * flight), while a failure that begins after that opens a new one; and a
 * success from an attempt begun before the outage does not end it.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutageLog } from '../src/db/outage.js';

const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function outageLog() {
  const lines: { msg?: string }[] = [];
  const log = new OutageLog(pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg?: string }) }));
  return { log, lines: () => lines.map((l) => l.msg) };
}

const startingUp = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
const outages = (lines: () => (string | undefined)[]) => lines().filter((m) => m?.startsWith('database unreachable')).length;

describe('outage log', () => {
  // The log reads the wall clock: stepped by hand here.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const step = (ms: number) => vi.setSystemTime(Date.now() + ms);

  it('does not open a second outage for an attempt begun before the recovery', () => {
    const { log, lines } = outageLog();
    log.unavailable(refused, Date.now());
    expect(log.down).toBe(true);
    const inFlight = Date.now();
    step(5);
    log.available();
    step(5_000);
    log.unavailable(refused, inFlight);
    expect(log.down).toBe(false);
    expect(outages(lines)).toBe(1);
    expect(lines().filter((m) => m === 'database reachable again')).toHaveLength(1);
  });

  it('takes a refusal in the moment after the recovery (a connection opened while the database started) as part of the outage that ended', () => {
    const { log, lines } = outageLog();
    log.unavailable(refused, Date.now());
    step(3_000);
    log.available();
    step(OutageLog.SETTLE_MS - 10);
    log.unavailable(startingUp, Date.now());
    expect(log.down).toBe(false);
    expect(outages(lines)).toBe(1);
  });

  it('opens a new outage for an attempt begun after the recovery has settled', () => {
    const { log, lines } = outageLog();
    log.unavailable(refused, Date.now());
    log.available();
    step(OutageLog.SETTLE_MS + 10);
    log.unavailable(refused, Date.now());
    expect(log.down).toBe(true);
    expect(outages(lines)).toBe(2);
  });

  it('does not end an outage on a success begun before it', () => {
    const { log, lines } = outageLog();
    const before = Date.now();
    step(10);
    log.unavailable(refused, Date.now());
    step(10);
    log.available(before);
    expect(log.down).toBe(true);
    step(10);
    log.available(Date.now());
    expect(log.down).toBe(false);
    expect(lines().filter((m) => m === 'database reachable again')).toHaveLength(1);
  });

  it('takes any successful round trip as the end of an outage, and any failed one as its start', async () => {
    const { log, lines } = outageLog();
    await expect(log.observe(() => Promise.reject(refused))).rejects.toBe(refused);
    expect(log.down).toBe(true);
    expect(await log.observe(() => Promise.resolve(42))).toBe(42);
    expect(log.down).toBe(false);
    // Not the database's fault: no outage.
    await expect(log.observe(() => Promise.reject(new Error('syntax error')))).rejects.toThrow('syntax error');
    expect(log.down).toBe(false);
    expect(lines().filter((m) => m?.startsWith('database unreachable'))).toHaveLength(1);
  });
});
