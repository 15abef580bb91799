/**
 * The trajectory cache: a successful agent run's actions, keyed by template version and
 * parameter names, replayed by the next run without the model (see agent-loop.ts for the
 * checks before and after each replayed action). Entries live in the store (migration 006),
 * so every node sharing a database shares the cache.
 */
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';
import { isRecordedActions, paramKey, type RecordedAction } from './trajectory.js';

export interface TrajectoryKey {
  orgId: string;
  templateId: string;
  templateVersion: number;
  paramKey: string;
}

export function trajectoryKey(input: { orgId: string; templateId: string; templateVersion: number; params: Record<string, Json> }): TrajectoryKey {
  return { orgId: input.orgId, templateId: input.templateId, templateVersion: input.templateVersion, paramKey: paramKey(input.params) };
}

export class TrajectoryCache {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The cached actions for a key, if the entry exists, starts at this URL and is readable. */
  async load(key: TrajectoryKey, startUrl: string): Promise<RecordedAction[] | null> {
    const entry = await this.store.trajectories.get(key.orgId, key.templateId, key.templateVersion, key.paramKey);
    if (!entry || entry.startUrl !== startUrl || !isRecordedActions(entry.actions) || entry.actions.length === 0) return null;
    return entry.actions;
  }

  async save(key: TrajectoryKey, startUrl: string, actions: RecordedAction[]): Promise<void> {
    await this.store.trajectories.put({ ...key, startUrl, actions: actions as unknown as Json }, this.clock.now());
  }

  async recordHit(key: TrajectoryKey): Promise<void> {
    await this.store.trajectories.recordHit(key.orgId, key.templateId, key.templateVersion, key.paramKey, this.clock.now());
  }
}

/**
 * Drops a template's cached trajectories (every version) and says how many; null when the
 * organisation neither has the template nor had anything cached for it (an unknown id).
 */
export async function invalidateTemplateCache(store: Store, orgId: string, templateId: string): Promise<number | null> {
  const removed = await store.trajectories.invalidate(orgId, templateId);
  if (removed === 0 && !(await store.templates.get(orgId, templateId))) return null;
  return removed;
}
