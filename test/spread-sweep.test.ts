/**
 * A sweep over every connection (pings, keep-alives) is spread out, a slice
 * at a time, so that an event published during it waits for one slice, not
 * for every socket's write (src/transport/spread-sweep.ts).
 */
import { describe, expect, it } from 'vitest';
import { SWEEP_SLICE, spreadSweep } from '../src/transport/spread-sweep.js';

describe('a sweep spread out in time', () => {
  it('visits one slice at once, then the rest slice by slice, each item once', async () => {
    const items = new Set(Array.from({ length: SWEEP_SLICE * 3 + 10 }, (_, i) => i));
    const visits: number[] = [];
    spreadSweep(items, (item) => visits.push(item));
    expect(visits).toHaveLength(SWEEP_SLICE);
    // Another task gets its turn between two slices.
    let between = -1;
    setTimeout(() => (between = visits.length), 0);
    for (let i = 0; i < 200 && visits.length < items.size; i++) await new Promise((r) => setTimeout(r, 5));
    expect(between).toBeGreaterThanOrEqual(SWEEP_SLICE);
    expect(between).toBeLessThan(items.size);
    expect(visits).toEqual([...items]);
  });

  it('visits the items as they were when it began, whatever joins or leaves meanwhile', async () => {
    const items = new Set(Array.from({ length: SWEEP_SLICE + 1 }, (_, i) => i));
    const visits: number[] = [];
    spreadSweep(items, (item) => visits.push(item));
    items.add(-1);
    items.delete(SWEEP_SLICE);
    for (let i = 0; i < 100 && visits.length < SWEEP_SLICE + 1; i++) await new Promise((r) => setTimeout(r, 5));
    expect(visits).toEqual(Array.from({ length: SWEEP_SLICE + 1 }, (_, i) => i));
  });
});
