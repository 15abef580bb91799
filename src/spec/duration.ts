import { SpecError } from './errors.js';

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS_DESC: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

const PART = /(\d+)(ms|s|m|h|d|w)/gy;

/**
 * Parses `500ms`, `90s`, `15m`, `6h`, `1d`, `2w` or a combination from the largest unit down
 * (`1h30m`). Whole numbers only, so every duration is an exact number of milliseconds.
 * `field` names the input field in the error.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const fail = (why: string): never => {
    throw new SpecError(field, text, `${field}: ${JSON.stringify(text)} ${why}; write a whole number and a unit (ms, s, m, h, d, w), e.g. 90s, 15m, 1h30m`);
  };
  if (typeof text !== 'string') fail('is not a string');
  const s = text.trim();
  if (s === '') fail('is empty');
  if (/^-/.test(s)) fail('is negative');
  if (/\d[.,]\d/.test(s)) fail('has a fraction');
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  let pos = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    const unit = m[2] as Unit;
    const rank = UNITS_DESC.indexOf(unit);
    if (rank <= lastRank) fail(`repeats or misorders unit "${unit}"`);
    lastRank = rank;
    total += Number(m[1]) * UNIT_MS[unit];
    pos = PART.lastIndex;
  }
  if (pos !== s.length) fail(pos === 0 && /^\d+$/.test(s) ? 'has no unit' : 'is not a duration');
  if (!Number.isSafeInteger(total)) fail('is too large');
  return total;
}

/** The shortest `parseDuration` spelling of `ms` (e.g. 5_400_000 → `1h30m`; 0 → `0s`). */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`formatDuration: ${ms} is not a non-negative integer`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNITS_DESC) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}
