/**
 * What a trajectory is made of: recorded actions with robust locators, URL patterns and the
 * effect each action had, so a replay can check before and after each one. Parameter VALUES
 * never appear in a cached entry: text equal to a parameter's value is stored as its
 * `{{ params.x }}` placeholder, so one entry serves every value of the same parameters.
 */
import type { Json } from '../store/types.js';

/** How an element is found again: role and accessible name first, then test id, then a CSS path. */
export interface TargetSpec {
  role: string;
  name: string;
  testId?: string;
  css?: string;
}

export type ToolName = 'navigate' | 'click' | 'type' | 'select' | 'press' | 'scroll' | 'wait' | 'extract' | 'done' | 'fail';

export interface ExtractField {
  name: string;
  target: TargetSpec;
  /** A regular expression whose first group is the value (the whole text without one). */
  pattern?: string;
}

export interface RecordedAction {
  step: number;
  tool: Exclude<ToolName, 'fail'>;
  /** Pattern of the page's URL when the action was taken. */
  urlPattern: string;
  target?: TargetSpec;
  /** Tool arguments other than element refs, parameter values as placeholders. */
  args: Record<string, Json>;
  fields?: ExtractField[];
  /** Pattern of the URL after the action; a replay that lands elsewhere has diverged. */
  expectUrlPattern: string;
  reason: string;
}

/** Query strings and fragments dropped, numeric and id-like path segments made wildcards. */
export function urlPattern(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const path = parsed.pathname
    .split('/')
    .map((segment) => (/^\d+$/.test(segment) || /^[0-9a-f]{8}-[0-9a-f-]{27,}$/i.test(segment) || /^[0-9a-f]{24,}$/i.test(segment) ? '*' : segment))
    .join('/');
  return `${parsed.origin}${path}`;
}

/** The cache key part that says which parameters a run has (names only, sorted). */
export function paramKey(params: Record<string, Json>): string {
  return Object.keys(params).sort().join(',');
}

/** Replaces parameter values inside `text` with their placeholders (longest values first). */
export function withPlaceholders(text: string, params: Record<string, Json>): string {
  const entries = Object.entries(params)
    // Short values ("1", "EU") would replace unrelated text; they stay as they are.
    .filter((entry): entry is [string, string | number] => (typeof entry[1] === 'string' || typeof entry[1] === 'number') && String(entry[1]).length >= 3)
    .map(([name, value]) => [name, String(value)] as const)
    .sort((a, b) => b[1].length - a[1].length);
  let out = text;
  for (const [name, value] of entries) out = out.split(value).join(`{{ params.${name} }}`);
  return out;
}

/** Puts parameter values back into text stored with placeholders. */
export function fillPlaceholders(text: string, params: Record<string, Json>): string {
  return text.replace(/\{\{\s*params\.([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined || value === null ? whole : typeof value === 'string' ? value : JSON.stringify(value);
  });
}

export function isRecordedActions(value: Json): value is Json[] & RecordedAction[] {
  return Array.isArray(value) && value.every((a) => a !== null && typeof a === 'object' && !Array.isArray(a) && typeof a.tool === 'string' && typeof a.step === 'number');
}
