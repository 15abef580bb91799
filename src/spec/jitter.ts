/**
 * Deterministic jitter: the same (schedule, nominal time) always gets the same delay, so a
 * restarted or second scheduler agrees on when an occurrence fires, while schedules sharing a
 * nominal time spread out.
 */

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so nearby inputs spread evenly. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Delay in whole milliseconds in [0, maxJitterMs), and strictly less than
 * `nextNominal - nominal` when given, so a jittered occurrence never reaches the next one.
 */
export function jitterFor(scheduleId: string, nominal: number, maxJitterMs: number, nextNominal?: number): number {
  let cap = Math.floor(maxJitterMs);
  if (nextNominal !== undefined) cap = Math.min(cap, Math.ceil(nextNominal - nominal));
  if (!(cap > 1)) return 0;
  const unit = hash32(`${scheduleId}\u0000${nominal}`) / 2 ** 32;
  return Math.min(cap - 1, Math.floor(unit * cap));
}
