import type { Json } from '../store/types.js';

export type Scope = Record<string, Json | undefined>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_0-9][\w-]*)*)\s*\}\}/g;

/** Resolves a dotted path such as `params.url` in the scope; undefined when any part is missing. */
export function lookup(scope: Scope, path: string): Json | undefined {
  let value: Json | undefined = scope as Json;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Array.isArray(value) ? value[Number(part)] : value[part];
  }
  return value;
}

/**
 * Replaces `{{ path }}` placeholders in every string of a JSON value. A string that is one
 * placeholder keeps the referenced value's type (so `{{ params.limit }}` can stay a number).
 * A missing reference is an error naming it, rather than a silent empty string.
 */
export function interpolate(value: Json, scope: Scope, where = 'template'): Json {
  if (typeof value === 'string') return interpolateString(value, scope, where);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, scope, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, scope, `${where}.${key}`);
    return out;
  }
  return value;
}

function interpolateString(text: string, scope: Scope, where: string): Json {
  const whole = /^\{\{\s*([^}]+?)\s*\}\}$/.exec(text);
  if (whole && !text.slice(2).includes('{{')) {
    return resolve(scope, whole[1]!, where);
  }
  return text.replace(PLACEHOLDER, (_, path: string) => {
    const v = resolve(scope, path, where);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function resolve(scope: Scope, path: string, where: string): Json {
  const v = lookup(scope, path);
  if (v === undefined) throw new Error(`${where}: {{ ${path} }} is not defined`);
  return v;
}
