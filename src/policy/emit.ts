import type { Json, RunStatus } from '../store/types.js';
import { diffJson, type JsonChange } from './diff.js';

/**
 * Which events a finished run emits to a destination (DESIGN.md "Emit"). Pure.
 * - `always`: the terminal event (`run.succeeded` or `run.failed`), plus `run.changed` when a
 *   successful output differs from the previous successful one;
 * - `on_change`: only `run.changed`: a successful output that differs from the previous
 *   successful output of the schedule (the first output has nothing to differ from);
 * - `on_failure`: only `run.failed` (failed or timed out).
 * A destination's `events` filter then keeps only the listed types.
 */
export const EMIT_POLICIES = ['always', 'on_change', 'on_failure'] as const;
export type EmitPolicy = (typeof EMIT_POLICIES)[number];

export const RUN_EVENT_TYPES = ['run.succeeded', 'run.failed', 'run.changed'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

export interface EmitInput {
  status: RunStatus;
  output: Json | null;
  /** Output of the schedule's previous successful run; undefined when there is none. */
  previousOutput: Json | undefined;
  /**
   * JSON Pointers whose changes do not count (a path and everything below it), e.g.
   * `/latencyMs` of the http kind, which differs on every run.
   */
  ignoreChanges?: readonly string[];
}

export interface RunEmission {
  /** The terminal event of the run, or null for statuses that emit nothing (cancelled, skipped, missed). */
  terminal: 'run.succeeded' | 'run.failed' | null;
  /** The changes since the previous successful output; null when the run did not succeed or nothing changed. */
  changes: JsonChange[] | null;
}

/** What a finished run has to say, before any destination's policy is applied. */
export function runEmission(input: EmitInput): RunEmission {
  const terminal = input.status === 'succeeded' ? 'run.succeeded' : input.status === 'failed' || input.status === 'timed_out' ? 'run.failed' : null;
  let changes: JsonChange[] | null = null;
  if (input.status === 'succeeded' && input.previousOutput !== undefined) {
    const ignored = input.ignoreChanges ?? [];
    const diff = diffJson(input.previousOutput, input.output).filter((c) => !ignored.some((p) => c.path === p || c.path.startsWith(`${p}/`)));
    if (diff.length > 0) changes = diff;
  }
  return { terminal, changes };
}

/** The event types one destination receives for a run, in a stable order. */
export function eventsFor(emission: RunEmission, policy: EmitPolicy, filter: readonly string[] | undefined): RunEventType[] {
  const types: RunEventType[] = [];
  if (policy === 'always' && emission.terminal) types.push(emission.terminal);
  if (policy === 'on_failure' && emission.terminal === 'run.failed') types.push('run.failed');
  if ((policy === 'always' || policy === 'on_change') && emission.changes) types.push('run.changed');
  return filter ? types.filter((t) => filter.includes(t)) : types;
}
