import type { Json } from '../store/types.js';

export const MASK = '***';

/**
 * Replaces every occurrence of each non-empty secret with `***` (DESIGN.md invariant 8).
 * Longest first, so a secret that contains a shorter one is masked whole rather than leaving
 * its remainder in clear.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of ordered) out = out.split(secret).join(MASK);
  return out;
}

/** Masks secrets in every string (values and keys) of a JSON value, e.g. a run's output or a log field. */
export function maskJson(value: Json, secrets: readonly string[]): Json {
  if (secrets.every((s) => s.length === 0)) return value;
  if (typeof value === 'string') return maskSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => maskJson(item, secrets));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) out[maskSecrets(key, secrets)] = maskJson(item, secrets);
    return out;
  }
  return value;
}
