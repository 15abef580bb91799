/** Store records as the API shows them (schemas.ts): ISO instants, no internal columns. */
import type { ScheduleHealthRow } from '../alerts/report.js';
import type * as Store from '../store/types.js';
import type * as Api from './schemas.js';
import type { z } from 'zod';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

export function templateView(t: Store.TemplateVersion): Api.Template {
  return { id: t.templateId, version: t.version, kind: t.kind, definition: t.definition, createdAt: iso(t.createdAt) };
}

export function scheduleView(s: Store.Schedule): Api.Schedule {
  return {
    id: s.id,
    template: s.templateId,
    templateVersion: s.templateVersion,
    params: s.params,
    spec: s.spec as Record<string, string>,
    policies: s.policies as Record<string, Store.Json>,
    nextRunAt: isoOrNull(s.nextNominalTime),
    paused: s.paused,
    pauseNote: s.pauseNote,
    remainingRuns: s.remainingRuns,
    revision: s.revision,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

export function runView(r: Store.Run): Api.Run {
  return {
    id: r.id,
    scheduleId: r.scheduleId,
    templateId: r.templateId,
    templateVersion: r.templateVersion,
    params: r.params,
    nominalTime: iso(r.nominalTime),
    trigger: r.trigger,
    status: r.status,
    reason: r.reason,
    idempotencyKey: r.idempotencyKey,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    availableAt: iso(r.availableAt),
    deadline: isoOrNull(r.deadline),
    parentRunId: r.parentRunId,
    backfillId: r.backfillId,
    output: r.output,
    error: r.error,
    createdAt: iso(r.createdAt),
    startedAt: isoOrNull(r.startedAt),
    finishedAt: isoOrNull(r.finishedAt),
    profile: r.profile,
    browserMs: r.browserMs,
  };
}

export function attemptView(a: Store.Attempt): z.output<typeof Api.Attempt> {
  return { number: a.number, status: a.status, workerId: a.workerId, startedAt: iso(a.startedAt), finishedAt: isoOrNull(a.finishedAt), browserMs: a.browserMs, error: a.error };
}

export function runEventView(e: Store.RunEvent): z.output<typeof Api.RunEvent> {
  return { seq: e.seq, attempt: e.attempt, at: iso(e.at), type: e.type, data: e.data };
}

export function deliveryView(d: Store.Delivery): z.output<typeof Api.Delivery> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    destinationId: d.destinationId,
    runId: d.runId,
    scheduleId: d.scheduleId,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    deliveredAt: isoOrNull(d.deliveredAt),
  };
}

export function deliveryAttemptView(a: Store.DeliveryAttempt): z.output<typeof Api.DeliveryAttempt> {
  return { number: a.number, at: iso(a.at), statusCode: a.statusCode, error: a.error, latencyMs: a.latencyMs };
}

export function incidentView(i: Store.Incident): z.output<typeof Api.Incident> {
  return {
    id: i.id,
    scheduleId: i.scheduleId,
    kind: i.kind,
    status: i.status,
    summary: i.summary,
    openedAt: iso(i.openedAt),
    resolvedAt: isoOrNull(i.resolvedAt),
    details: i.details,
  };
}

export function profileView(p: Store.Profile, now: number): z.output<typeof Api.Profile> {
  return { name: p.name, version: p.version, locked: p.lockedByRunId !== null && (p.lockExpiresAt ?? 0) > now, updatedAt: iso(p.updatedAt) };
}

export function apiKeyView(k: Store.ApiKey): z.output<typeof Api.ApiKey> {
  return { id: k.id, name: k.name, role: k.role, prefix: k.prefix, createdAt: iso(k.createdAt), lastUsedAt: isoOrNull(k.lastUsedAt), revokedAt: isoOrNull(k.revokedAt) };
}

export function artifactView(a: Store.Artifact): z.output<typeof Api.RunArtifact> {
  return { attempt: a.attempt, name: a.name, kind: a.kind, contentType: a.contentType, size: a.size, createdAt: iso(a.createdAt) };
}

export function healthView(r: ScheduleHealthRow): z.output<typeof Api.ScheduleHealth> {
  return {
    ...r,
    lastSuccessAt: isoOrNull(r.lastSuccessAt),
    lastFailureAt: isoOrNull(r.lastFailureAt),
    openIncident: r.openIncident ? { id: r.openIncident.id, summary: r.openIncident.summary, openedAt: iso(r.openIncident.openedAt) } : null,
  };
}

export function destinationView(s: Store.DestinationState): z.output<typeof Api.Destination> {
  return { id: s.destinationId, type: s.type, enabled: s.disabledAt === null, disabledAt: isoOrNull(s.disabledAt), disabledReason: s.disabledReason };
}

export function trajectoryView(t: Store.Trajectory): z.output<typeof Api.CachedTrajectory> {
  return {
    template: t.templateId,
    version: t.templateVersion,
    params: t.paramKey,
    steps: Array.isArray(t.actions) ? t.actions.length : 0,
    hits: t.hits,
    rewrites: t.rewrites,
    updatedAt: iso(t.updatedAt),
    lastHitAt: isoOrNull(t.lastHitAt),
  };
}
