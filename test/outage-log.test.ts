/**
 * The outage log counts one outage per outage: a failure from an attempt
 * that began before the database answered again is a straggler of the
 * outage that just ended (a busy instance has many in flight), while a
 * failure that begins after the recovery opens a new one.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { OutageLog } from '../src/db/outage.js';

const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function outageLog() {
  const lines: { msg?: string }[] = [];
  const log = new OutageLog(pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg?: string }) }));
  return { log, lines: () => lines.map((l) => l.msg) };
}

describe('outage log', () => {
  it('does not open a second outage for an attempt begun before the recovery', async () => {
    const { log, lines } = outageLog();
    log.unavailable(refused, Date.now());
    expect(log.down).toBe(true);
    const inFlight = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    log.available();
    log.unavailable(refused, inFlight);
    expect(log.down).toBe(false);
    expect(lines().filter((m) => m?.startsWith('database unreachable'))).toHaveLength(1);
    expect(lines().filter((m) => m === 'database reachable again')).toHaveLength(1);
  });

  it('opens a new outage for an attempt begun after the recovery', async () => {
    const { log, lines } = outageLog();
    log.unavailable(refused, Date.now());
    log.available();
    await new Promise((r) => setTimeout(r, 5));
    log.unavailable(refused, Date.now());
    expect(log.down).toBe(true);
    expect(lines().filter((m) => m?.startsWith('database unreachable'))).toHaveLength(2);
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
