import type { Json } from '../store/types.js';

/**
 * A structured diff of two JSON values (the "competitor price changed" pattern): every path
 * whose value was added, removed or changed, with the values before and after. Objects are
 * compared key by key and arrays index by index; anything else is compared by value.
 */
export interface JsonChange {
  /** JSON Pointer (RFC 6901) of the value; "" is the whole document. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: Json;
  after?: Json;
}

export function diffJson(before: Json, after: Json): JsonChange[] {
  const changes: JsonChange[] = [];
  walk(before, after, '', changes);
  return changes;
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function walk(before: Json, after: Json, path: string, out: JsonChange[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) {
      const child = `${path}/${escape(key)}`;
      const inBefore = Object.hasOwn(before, key);
      const inAfter = Object.hasOwn(after, key);
      if (!inAfter) out.push({ path: child, kind: 'removed', before: before[key]! });
      else if (!inBefore) out.push({ path: child, kind: 'added', after: after[key]! });
      else walk(before[key]!, after[key]!, child, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) {
      const child = `${path}/${i}`;
      if (i >= after.length) out.push({ path: child, kind: 'removed', before: before[i]! });
      else if (i >= before.length) out.push({ path: child, kind: 'added', after: after[i]! });
      else walk(before[i]!, after[i]!, child, out);
    }
    return;
  }
  if (!sameJson(before, after)) out.push({ path, kind: 'changed', before, after });
}

/** Deep equality of JSON values (key order does not matter). */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]!));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k]!, b[k]!));
  }
  return false;
}
