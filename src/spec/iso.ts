import { utcFromFields } from './zone.js';

/** An ISO 8601 date-time as written: a wall time, and the offset if one was given. */
export interface IsoDateTime {
  /** The written date-time encoded as if UTC (see zone.ts). */
  wall: number;
  /** Milliseconds east of UTC from `Z`/`±HH:MM`, or null for a local time. */
  offsetMs: number | null;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const daysInMonth = (y: number, m: number): number => new Date(utcFromFields(y, m + 1, 0)).getUTCDate();

/**
 * Parses `2026-03-08`, `2026-03-08T02:30`, `2026-03-08T02:30:00.5`, each optionally with `Z` or an
 * offset. Returns a reason string instead when the text is not such a date-time.
 */
export function parseIsoDateTime(text: string): IsoDateTime | string {
  if (typeof text !== 'string') return 'is not a string';
  const m = ISO.exec(text.trim());
  if (!m) return 'is not an ISO 8601 date-time (e.g. 2026-03-08T02:30:00-05:00, or without an offset for local time)';
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v))) as number[];
  if (y === undefined || mo === undefined || d === undefined) return 'is not an ISO 8601 date-time';
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (mo < 1 || mo > 12) return `has month ${mo}, not 1-12`;
  if (d < 1 || d > daysInMonth(y, mo)) return `has day ${d}, not a day of ${y}-${String(mo).padStart(2, '0')}`;
  if (h > 23) return `has hour ${h}, not 0-23`;
  if (mi > 59) return `has minute ${mi}, not 0-59`;
  if (s > 59) return `has second ${s}, not 0-59`;
  let offsetMs: number | null = null;
  const off = m[8];
  if (off) {
    if (off.toUpperCase() === 'Z') offsetMs = 0;
    else {
      const digits = off.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = Number(digits.slice(2) || '0');
      if (oh > 23 || om > 59) return `has offset ${off}, out of range`;
      offsetMs = (off.startsWith('-') ? -1 : 1) * (oh * 3_600_000 + om * 60_000);
    }
  }
  return { wall: utcFromFields(y, mo, d, h, mi, s, ms), offsetMs };
}
