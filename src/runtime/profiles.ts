import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { Instant, Json } from '../store/types.js';
import { RunFailure } from './failure.js';
import type { StorageState } from './session.js';

export interface ProfileHoldOptions {
  store: Store;
  clock: Clock;
  orgId: string;
  name: string;
  runId: string;
  /** Waiting for another run to release the profile ends here (the run deadline). */
  deadline: Instant;
  signal: AbortSignal;
  /** How long the lock lasts without renewal (renewed at a third of it). Default 60 s. */
  leaseMs?: number;
  /** How often a waiting attempt tries again. Default 500 ms. */
  pollMs?: number;
}

/**
 * A browser profile held by one attempt: at most one active attempt uses a profile (the store's
 * lock); others wait, up to their run deadline. The state is saved only after a successful
 * attempt (`save`), and the lock is always released (`release`).
 */
export class ProfileHold {
  private readonly stopRenewal = new AbortController();
  private released = false;

  private constructor(
    private readonly options: ProfileHoldOptions,
    readonly state: StorageState | null,
    private readonly version: number,
  ) {}

  static async acquire(options: ProfileHoldOptions): Promise<ProfileHold> {
    const { store, clock, orgId, name, runId, signal } = options;
    const leaseMs = options.leaseMs ?? 60_000;
    const pollMs = options.pollMs ?? 500;
    while (!(await store.profiles.acquire(orgId, name, runId, leaseMs, clock.now()))) {
      if (signal.aborted) throw signal.reason;
      const holder = await store.profiles.get(orgId, name);
      if (clock.now() + pollMs >= options.deadline) {
        throw new RunFailure(`profile ${JSON.stringify(name)} is still in use by run ${holder?.lockedByRunId ?? '?'} at the run deadline`, {
          kind: 'profile.busy',
          retryable: false,
        });
      }
      await clock.sleep(pollMs, signal);
    }
    const profile = await store.profiles.get(orgId, name);
    const hold = new ProfileHold(options, (profile?.state ?? null) as StorageState | null, profile?.version ?? 0);
    hold.renew(leaseMs);
    return hold;
  }

  /** Saves the context's state as the profile's new version (after a successful attempt only). */
  async save(state: StorageState): Promise<void> {
    const { store, clock, orgId, name } = this.options;
    await store.profiles.save(orgId, name, state as unknown as Json, clock.now(), this.version);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopRenewal.abort();
    await this.options.store.profiles.release(this.options.orgId, this.options.name, this.options.runId);
  }

  /** Keeps the lock while the attempt runs, so a long attempt does not lose it to a waiter. */
  private renew(leaseMs: number): void {
    const { store, clock, orgId, name, runId } = this.options;
    void (async () => {
      while (!this.stopRenewal.signal.aborted) {
        await clock.sleep(Math.max(10, Math.floor(leaseMs / 3)), this.stopRenewal.signal);
        await store.profiles.acquire(orgId, name, runId, leaseMs, clock.now());
      }
    })().catch(() => undefined);
  }
}
