/**
 * All schedule and policy logic reads time through a Clock (DESIGN.md invariant 6), so tests
 * can drive DST transitions, outages and long retry horizons in milliseconds.
 */
export interface Clock {
  /** Current instant, epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock that moves only when told. `advance` wakes sleepers in time order and lets the
 * promise chains they start settle before moving on, so code that sleeps in a loop behaves
 * as it would in real time, only faster.
 */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private seq = 0;

  constructor(start: number | string | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.current)) throw new Error(`FakeClock: invalid start ${String(start)}`);
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // Nothing to wait for: a deadline already behind the fake time must still fire.
      if (ms <= 0) return void setImmediate(resolve);
      const sleeper: Sleeper = {
        wakeAt: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Number of pending sleeps (useful to wait until the code under test is parked). */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** The instant the earliest sleeper wakes at, or undefined when nothing sleeps. */
  get nextWakeAt(): number | undefined {
    return this.sleepers.reduce<number | undefined>((min, s) => (min === undefined || s.wakeAt < min ? s.wakeAt : min), undefined);
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way, in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number | string | Date): Promise<void> {
    const end = typeof target === 'number' ? target : new Date(target).getTime();
    if (end < this.current) throw new Error('FakeClock cannot go backwards; use set() to model a clock jump');
    for (;;) {
      await settle();
      const due = this.sleepers
        .filter((s) => s.wakeAt <= end)
        .sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.wakeAt);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
    }
    this.current = end;
    await settle();
  }

  /** Jumps to an instant without waking anyone (models a wall-clock jump or a process pause). */
  set(instant: number | string | Date): void {
    this.current = typeof instant === 'number' ? instant : new Date(instant).getTime();
  }
}

/** Lets pending promise callbacks and I/O completions run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Aborts when any of `signals` does. Unlike `AbortSignal.any`, the combined signal is held by
 * listeners on its sources, so it cannot be collected while a sleep waits on it; `dispose`
 * removes those listeners once the wait is over.
 */
export function eitherSignal(...signals: AbortSignal[]): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const listeners = signals.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  return { signal: controller.signal, dispose: () => listeners.forEach((remove) => remove()) };
}

/** Sleeps on `clock` until `ms` pass or any signal aborts; never rejects. */
export async function sleepUnlessWoken(clock: Clock, ms: number, ...signals: AbortSignal[]): Promise<void> {
  const either = eitherSignal(...signals);
  try {
    await clock.sleep(ms, either.signal);
  } catch {
    // woken or stopped: the caller's loop decides what comes next
  } finally {
    either.dispose();
  }
}
