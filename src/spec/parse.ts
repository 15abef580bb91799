import { z } from 'zod';
import { parseCron } from './cron.js';
import { parseDuration } from './duration.js';
import { SpecError } from './errors.js';
import { parseIsoDateTime } from './iso.js';
import type { AtSpec, NormalizedSpecInput, ScheduleSpecInput, Spec, SpecCommon } from './types.js';
import { canonicalZone, resolveLocal } from './zone.js';

/** Shape check for a spec as users write it; `parseSpec` does the semantic checks. */
export const scheduleSpecInputSchema = z.strictObject({
  cron: z.string().optional(),
  every: z.string().optional(),
  phase: z.string().optional(),
  at: z.string().optional(),
  timezone: z.string().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  jitter: z.string().optional(),
  dstGap: z.enum(['shift', 'skip']).optional(),
  dstOverlap: z.enum(['once', 'twice']).optional(),
}) satisfies z.ZodType<ScheduleSpecInput>;

/** An instant from ISO text; a local time is read in `timezone` and lands per the gap policy. */
function resolveInstant(field: string, text: string, timezone: string): AtSpec['at'] {
  const parsed = parseIsoDateTime(text);
  if (typeof parsed === 'string') throw new SpecError(field, text, `${field}: ${JSON.stringify(text)} ${parsed}`);
  if (parsed.offsetMs !== null) return [{ nominal: parsed.wall - parsed.offsetMs, dst: null }];
  const r = resolveLocal(timezone, parsed.wall);
  if (r.kind === 'unique') return [{ nominal: r.instant, dst: null }];
  if (r.kind === 'gap') return [{ nominal: r.next, dst: 'shifted' }];
  return [
    { nominal: r.earlier, dst: null },
    { nominal: r.later, dst: 'repeated' },
  ];
}

/**
 * One instant from ISO text (for bounds, ranges, `--from`): a local time is read in `timezone`;
 * in a gap it means the first instant after the gap, in an overlap the first pass. Throws a
 * SpecError naming `field`.
 */
export function parseInstant(field: string, text: string, timezone: string): number {
  const first = resolveInstant(field, text, timezone)[0];
  if (!first) throw new SpecError(field, text, `${field}: ${JSON.stringify(text)} does not name an instant`);
  return first.nominal;
}

/**
 * Validates a spec as written and returns it normalised (see `Spec`). Throws `SpecError` naming
 * the field, the value, and what is wrong.
 */
export function parseSpec(input: ScheduleSpecInput): Spec {
  const shape = scheduleSpecInputSchema.safeParse(input);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    if (issue?.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      throw new SpecError(key, (input as Record<string, unknown>)[key], `unknown spec field "${key}"; known fields: ${Object.keys(scheduleSpecInputSchema.shape).join(', ')}`);
    }
    const field = String(issue?.path[0] ?? 'spec');
    const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[field] : input;
    throw new SpecError(field, value, `${field}: ${issue?.message ?? 'invalid'} (got ${JSON.stringify(value)})`);
  }
  const spec = shape.data;

  const kinds = (['cron', 'every', 'at'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) {
    const field = kinds[1] ?? 'cron';
    throw new SpecError(field, kinds.length ? spec[field] : undefined, kinds.length ? `a spec has exactly one of cron, every, at; got ${kinds.join(' and ')}` : 'a spec needs one of cron, every, at');
  }

  const zoneText = spec.timezone ?? 'UTC';
  const timezone = canonicalZone(zoneText);
  if (timezone === null) throw new SpecError('timezone', zoneText, `timezone: unknown IANA time zone ${JSON.stringify(zoneText)} (e.g. America/New_York, Europe/London, UTC)`);

  const dstGap = spec.dstGap ?? 'shift';
  const dstOverlap = spec.dstOverlap ?? 'once';
  const jitterMs = spec.jitter === undefined ? 0 : parseDuration(spec.jitter, 'jitter');
  const start = spec.start === undefined ? null : parseInstant('start', spec.start, timezone);
  const end = spec.end === undefined ? null : parseInstant('end', spec.end, timezone);
  if (start !== null && end !== null && end <= start) {
    throw new SpecError('end', spec.end, `end: ${JSON.stringify(spec.end)} is not after start ${JSON.stringify(spec.start)}`);
  }
  if (spec.phase !== undefined && spec.every === undefined) throw new SpecError('phase', spec.phase, 'phase: only applies to every');

  const input2: NormalizedSpecInput = { ...spec, timezone, dstGap, dstOverlap };
  const common: SpecCommon = { input: input2, timezone, start, end, jitterMs, dstGap, dstOverlap };

  if (spec.cron !== undefined) {
    const cron = parseCron(spec.cron);
    input2.cron = spec.cron.trim().replace(/\s+/g, ' ');
    return { ...common, kind: 'cron', cron };
  }
  if (spec.every !== undefined) {
    const everyMs = parseDuration(spec.every, 'every');
    if (everyMs <= 0) throw new SpecError('every', spec.every, `every: ${JSON.stringify(spec.every)} must be longer than zero`);
    const phaseMs = spec.phase === undefined ? 0 : parseDuration(spec.phase, 'phase');
    if (phaseMs >= everyMs) throw new SpecError('phase', spec.phase, `phase: ${JSON.stringify(spec.phase)} must be shorter than every (${spec.every})`);
    return { ...common, kind: 'every', everyMs, phaseMs };
  }
  const at = resolveInstant('at', spec.at ?? '', timezone).filter((o) => (o.dst === 'shifted' ? dstGap === 'shift' : o.dst === 'repeated' ? dstOverlap === 'twice' : true));
  return { ...common, kind: 'at', at };
}
