import { describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../src/clock.js';

describe('FakeClock', () => {
  it('wakes sleepers in time order as time advances', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const woke: string[] = [];
    void clock.sleep(3000).then(() => woke.push(`c@${clock.now()}`));
    void clock.sleep(1000).then(() => woke.push(`a@${clock.now()}`));
    void clock.sleep(2000).then(() => woke.push(`b@${clock.now()}`));
    const t0 = clock.now();
    await clock.advance(2500);
    expect(woke).toEqual([`a@${t0 + 1000}`, `b@${t0 + 2000}`]);
    expect(clock.now()).toBe(t0 + 2500);
    await clock.advance(1000);
    expect(woke).toHaveLength(3);
  });

  it('runs loops that sleep repeatedly within one advance', async () => {
    const clock = new FakeClock(0);
    let ticks = 0;
    void (async () => {
      for (let i = 0; i < 10; i++) {
        await clock.sleep(100);
        ticks++;
      }
    })();
    await clock.advance(1000);
    expect(ticks).toBe(10);
  });

  it('rejects an aborted sleep and forgets it', async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pendingSleeps).toBe(0);
  });
});

describe('SystemClock', () => {
  it('sleeps in real time and can be aborted', async () => {
    const clock = new SystemClock();
    const t0 = clock.now();
    await clock.sleep(5);
    expect(clock.now()).toBeGreaterThanOrEqual(t0 + 4);
    const ac = new AbortController();
    const p = clock.sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
