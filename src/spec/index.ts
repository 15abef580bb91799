/** Schedule spec math: pure functions of specs and epoch-millisecond instants. */
export type {
  AtSpec,
  CronSpec,
  DstGapPolicy,
  DstOverlapPolicy,
  EverySpec,
  NormalizedSpecInput,
  Occurrence,
  ParsedCron,
  ScheduleSpecInput,
  Spec,
  SpecCommon,
} from './types.js';
export { SpecError, type CronFieldName } from './errors.js';
export { parseInstant, parseSpec, scheduleSpecInputSchema } from './parse.js';
export { parseCron } from './cron.js';
export { formatDuration, parseDuration } from './duration.js';
export { parseIsoDateTime, type IsoDateTime } from './iso.js';
export { canonicalZone, formatLocal, formatOffset, formatUtc, isRepeatedWallTime, offsetAt, resolveLocal, wallClock, type LocalResolution } from './zone.js';
export { iterateOccurrences, jitteredTime, nextOccurrence, nextOccurrences, occurrencesBetween, periodOf } from './occurrences.js';
export { jitterFor } from './jitter.js';
