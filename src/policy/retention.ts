import { formatDuration, parseDuration } from '../spec/duration.js';
import { SpecError } from '../spec/errors.js';

/**
 * How long each kind of history is kept (docs/configuration.md#retention). Pure: the pruning
 * job (src/engine/retention.ts) applies these decisions through the Store.
 */
export const RETENTION_KINDS = ['runs', 'artifacts', 'deliveries'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Milliseconds per kind; null keeps that kind forever. */
export type RetentionPeriods = Record<RetentionKind, number | null>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Defaults. Artifacts (traces run to megabytes) and delivery logs (a copy of each event plus its
 * attempt log) are bulky operational data: 30 days. Run rows are the history itself (health,
 * success rates, percentiles, exports) and small, so they are kept until an operator chooses a
 * period: deleting history must be a decision, not a side effect of an upgrade.
 */
export const DEFAULT_RETENTION: RetentionPeriods = { runs: null, artifacts: 30 * DAY_MS, deliveries: 30 * DAY_MS };

/**
 * The shortest period accepted. Anything shorter is almost certainly a typo (`30m` for `30d`)
 * and would delete history minutes after it was written.
 */
export const MIN_RETENTION_MS = 60 * 60 * 1000;

/** `off` (keep forever) or a duration of at least one hour; `field` names the input in errors. */
export function parseRetentionPeriod(text: string, field: string): number | null {
  if (typeof text === 'string' && text.trim() === 'off') return null;
  const ms = parseDuration(text, field);
  if (ms < MIN_RETENTION_MS) {
    throw new SpecError(
      field,
      text,
      `${field}: ${JSON.stringify(text)} is shorter than the minimum retention of ${formatDuration(MIN_RETENTION_MS)}; write e.g. 30d, or off to keep forever`,
    );
  }
  return ms;
}

/** Retention settings as written somewhere (flags, agentcron.yaml): undefined leaves a kind to the next layer. */
export interface RetentionLayer {
  /** Names the layer in errors, e.g. `--retention-` or `retention.`; the kind is appended. */
  prefix: string;
  values: Partial<Record<RetentionKind, string | undefined>>;
}

/** The first layer that sets a kind wins (flags before the config file); unset kinds take the default. */
export function resolveRetention(layers: readonly RetentionLayer[]): RetentionPeriods {
  const periods: RetentionPeriods = { ...DEFAULT_RETENTION };
  for (const kind of RETENTION_KINDS) {
    const layer = layers.find((l) => l.values[kind] !== undefined);
    if (layer) periods[kind] = parseRetentionPeriod(layer.values[kind]!, `${layer.prefix}${kind}`);
  }
  return periods;
}

/** Per kind, the instant before which that kind's history goes; null when it is kept forever. */
export function retentionCutoffs(periods: RetentionPeriods, now: number): Record<RetentionKind, number | null> {
  const cutoff = (ms: number | null): number | null => (ms === null ? null : now - ms);
  return { runs: cutoff(periods.runs), artifacts: cutoff(periods.artifacts), deliveries: cutoff(periods.deliveries) };
}

/** `runs 90d, artifacts 30d, deliveries off`: for the start-up log line (whole days as days, as people write them). */
export function describeRetention(periods: RetentionPeriods): string {
  const text = (ms: number | null): string => (ms === null ? 'off' : ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : formatDuration(ms));
  return RETENTION_KINDS.map((k) => `${k} ${text(periods[k])}`).join(', ');
}
