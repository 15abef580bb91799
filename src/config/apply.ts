import { nextOccurrence, parseSpec, SpecError } from '../spec/index.js';
import type { ScheduleSpecInput } from '../spec/types.js';
import type { TemplateRunner } from '../runtime/runner.js';
import { ConflictError, type Store } from '../store/store.js';
import type { Json, Schedule, SchedulePolicies } from '../store/types.js';
import { ConfigError } from './load.js';
import type { Config, ScheduleConfig, TemplateConfig } from './schema.js';

export interface PlanStep {
  action: 'create' | 'update' | 'delete' | 'unchanged';
  kind: 'template' | 'schedule';
  id: string;
  /** Which fields change, for updates. */
  changes?: string[];
}

export interface ApplyOptions {
  orgId: string;
  /** Delete schedules (and then templates) that the config no longer lists. */
  prune?: boolean;
  dryRun?: boolean;
  runners: readonly TemplateRunner[];
  now: number;
  /** Called as each step of the plan is taken (progress reporting). */
  onStep?: (step: PlanStep) => void;
}

const SPEC_FIELDS = ['cron', 'every', 'phase', 'at', 'timezone', 'start', 'end', 'jitter', 'dstGap', 'dstOverlap'] as const;

export function scheduleSpecOf(s: ScheduleConfig): ScheduleSpecInput {
  const spec: ScheduleSpecInput = {};
  for (const field of SPEC_FIELDS) if (s[field] !== undefined) (spec as Record<string, unknown>)[field] = s[field];
  return spec;
}

export function schedulePoliciesOf(s: ScheduleConfig): SchedulePolicies {
  const policies: SchedulePolicies = {};
  if (s.overlap) policies.overlap = s.overlap;
  if (s.catchup) policies.catchup = s.catchup;
  if (s.retry) policies.retry = s.retry;
  if (s.timeout) policies.timeout = s.timeout;
  if (s.concurrency) policies.concurrency = s.concurrency;
  if (s.destinations && s.destinations.length > 0) policies.destinations = s.destinations;
  if (s.emit) policies.emit = s.emit;
  if (s.ignoreChanges && s.ignoreChanges.length > 0) policies.ignoreChanges = s.ignoreChanges;
  if (s.alerts) policies.alerts = s.alerts;
  return policies;
}

function definitionOf(t: TemplateConfig): Json {
  const { id: _id, kind: _kind, description: _description, ...definition } = t;
  return definition as Json;
}

/** Checks everything that the schema alone cannot: specs, template definitions, references. */
export function validateConfig(config: Config, runners: readonly TemplateRunner[], file: string): void {
  const problems: Array<{ path: string; message: string }> = [];
  const byKind = new Map(runners.map((r) => [r.kind, r]));
  config.templates.forEach((t, i) => {
    const runner = byKind.get(t.kind);
    if (!runner) {
      problems.push({ path: `templates[${i}].kind`, message: `template kind ${t.kind} is not available (available: ${[...byKind.keys()].join(', ')})` });
      return;
    }
    try {
      runner.validate(definitionOf(t));
    } catch (error) {
      problems.push({ path: `templates[${i}]`, message: describe(error) });
    }
  });
  const templateIds = new Set(config.templates.map((t) => t.id));
  config.schedules.forEach((s, i) => {
    if (!templateIds.has(s.template)) problems.push({ path: `schedules[${i}].template`, message: `no template with id ${s.template} in this file` });
    try {
      parseSpec(scheduleSpecOf(s));
    } catch (error) {
      const field = error instanceof SpecError ? `.${error.field}` : '';
      problems.push({ path: `schedules[${i}]${field}`, message: error instanceof Error ? error.message : String(error) });
    }
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
}

/**
 * Makes the store match the config: declarative and idempotent (a second apply plans only
 * `unchanged` steps). Returns the plan; with `dryRun` nothing is written.
 */
/**
 * What `applyConfig` needs of a store: a `Store` is one, and so is the CLI's adapter that
 * applies a file through the HTTP API (src/cli/backend.ts), so both share this one plan.
 */
export interface ApplyTarget {
  orgs: Pick<Store['orgs'], 'get' | 'create'>;
  meta: Pick<Store['meta'], 'set'>;
  templates: Pick<Store['templates'], 'get' | 'put' | 'list' | 'delete'>;
  schedules: Pick<Store['schedules'], 'get' | 'create' | 'update' | 'setPaused' | 'list' | 'delete'>;
  /** Absent through the API: destination state lives with the nodes that read the config file. */
  destinations?: Pick<Store['destinations'], 'register'>;
  transaction<T>(fn: (tx: ApplyTarget) => Promise<T>): Promise<T>;
}

export async function applyConfig(store: ApplyTarget, config: Config, options: ApplyOptions, file = 'agentcron.yaml'): Promise<PlanStep[]> {
  validateConfig(config, options.runners, file);
  const { orgId, now } = options;
  return store.transaction(async (tx) => {
    if (!(await tx.orgs.get(orgId))) {
      if (options.dryRun) return planOnly(tx, config, options);
      // Two nodes starting together may both get here; the second create is a no-op.
      await tx.orgs.create({ id: orgId, name: orgId }, now).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
    }
    // Writing this row first holds its lock until commit, so concurrent applies (several nodes
    // starting with the same file) run one after the other and the later one finds no changes.
    if (!options.dryRun) await tx.meta.set(`config.applied.${orgId}`, { at: now }, now);
    const plan: PlanStep[] = [];
    const push = (step: PlanStep) => {
      plan.push(step);
      options.onStep?.(step);
    };
    for (const t of config.templates) {
      const latest = await tx.templates.get(orgId, t.id);
      const definition = definitionOf(t);
      const same = latest && latest.kind === t.kind && sameJson(latest.definition, definition);
      push({ action: !latest ? 'create' : same ? 'unchanged' : 'update', kind: 'template', id: t.id, ...(latest && !same ? { changes: ['definition'] } : {}) });
      if (!options.dryRun && !same) await tx.templates.put({ orgId, templateId: t.id, kind: t.kind, definition }, now);
    }
    for (const s of config.schedules) {
      const existing = await tx.schedules.get(orgId, s.id);
      const spec = scheduleSpecOf(s);
      const wanted = {
        templateId: s.template,
        templateVersion: s.templateVersion ?? null,
        params: s.params as Json,
        spec,
        policies: schedulePoliciesOf(s),
        remainingRuns: s.remainingRuns ?? null,
      };
      if (!existing) {
        push({ action: 'create', kind: 'schedule', id: s.id });
        if (!options.dryRun) {
          await tx.schedules.create(
            { id: s.id, orgId, ...wanted, nextNominalTime: firstAtOrAfter(spec, now), paused: s.paused, pauseNote: s.pauseNote ?? null },
            now,
          );
        }
        continue;
      }
      const changes = changedFields(existing, wanted, s);
      push({ action: changes.length > 0 ? 'update' : 'unchanged', kind: 'schedule', id: s.id, ...(changes.length ? { changes } : {}) });
      if (options.dryRun || changes.length === 0) continue;
      // A new spec starts from now: occurrences of the old spec are not owed.
      const specChanged = changes.includes('spec');
      await tx.schedules.update(orgId, s.id, { ...wanted, ...(specChanged ? { nextNominalTime: firstAtOrAfter(spec, now) } : {}) }, now);
      if (changes.includes('paused')) await tx.schedules.setPaused(orgId, s.id, s.paused, s.pauseNote ?? null, now);
    }
    // Destinations themselves (URLs, secrets) stay in the file; the store learns their ids and
    // types so the CLI can list them and the relay can record their state.
    if (!options.dryRun && tx.destinations) for (const d of config.destinations) await tx.destinations.register(orgId, d.id, d.type, now);
    if (options.prune) {
      const keepSchedules = new Set(config.schedules.map((s) => s.id));
      for (const s of await tx.schedules.list(orgId)) {
        if (keepSchedules.has(s.id)) continue;
        push({ action: 'delete', kind: 'schedule', id: s.id });
        if (!options.dryRun) await tx.schedules.delete(orgId, s.id);
      }
      const keepTemplates = new Set(config.templates.map((t) => t.id));
      for (const t of await tx.templates.list(orgId)) {
        if (keepTemplates.has(t.templateId)) continue;
        push({ action: 'delete', kind: 'template', id: t.templateId });
        if (!options.dryRun) await tx.templates.delete(orgId, t.templateId);
      }
    }
    return plan;
  });
}

async function planOnly(_tx: ApplyTarget, config: Config, _options: ApplyOptions): Promise<PlanStep[]> {
  return [
    ...config.templates.map((t): PlanStep => ({ action: 'create', kind: 'template', id: t.id })),
    ...config.schedules.map((s): PlanStep => ({ action: 'create', kind: 'schedule', id: s.id })),
  ];
}

/** The first occurrence at or after `now`: an occurrence exactly at creation time still fires. */
export function firstAtOrAfter(spec: ScheduleSpecInput, now: number): number | null {
  return nextOccurrence(parseSpec(spec), now - 1)?.nominal ?? null;
}

function changedFields(existing: Schedule, wanted: Omit<Schedule, 'id' | 'orgId' | 'nextNominalTime' | 'paused' | 'pauseNote' | 'revision' | 'createdAt' | 'updatedAt'>, s: ScheduleConfig): string[] {
  const changes: string[] = [];
  for (const key of Object.keys(wanted) as Array<keyof typeof wanted>) {
    const same = key === 'spec' ? sameSpec(existing.spec, wanted.spec) : sameJson(existing[key], wanted[key]);
    if (!same) changes.push(key);
  }
  if (existing.paused !== s.paused) changes.push('paused');
  return changes;
}

/**
 * Equal as JSON whatever the order of object keys: a schedule written through the API comes back
 * with its keys in schema order, and must not look changed to the next apply.
 */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v,
  );
}

/** Specs that fire the same: compared with their defaults filled in (the API stores them so). */
function sameSpec(a: ScheduleSpecInput, b: ScheduleSpecInput): boolean {
  try {
    return sameJson(parseSpec(a).input, parseSpec(b).input);
  } catch {
    return sameJson(a, b);
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'issues' in error && Array.isArray((error as { issues: unknown[] }).issues)) {
    return (error as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues
      .map((i) => `${i.path.map(String).join('.') || '(definition)'}: ${i.message}`)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
