/**
 * Elements the agent acts on. The model names an element by the ref of the accessibility
 * snapshot it saw (`[ref=e12]`); we record it as role + accessible name (read from that same
 * snapshot line), test id and a CSS path, and a replay finds it again with those, accepting it
 * only when exactly one element matches and its role and name are still the recorded ones.
 */
import type { Locator, Page } from 'playwright-core';
import type { TargetSpec } from './trajectory.js';

/** `- link "Gadget Pro" [ref=e15] [cursor=pointer]:` → role, name, ref. */
const SNAPSHOT_LINE = /^\s*-\s+([a-z]+)(?:\s+"((?:[^"\\]|\\.)*)")?[^\n]*?\[ref=([a-z0-9]+)\]/;

export interface SnapshotEntry {
  role: string;
  name: string;
}

export function snapshotEntries(snapshot: string): Map<string, SnapshotEntry> {
  const out = new Map<string, SnapshotEntry>();
  for (const line of snapshot.split('\n')) {
    const match = SNAPSHOT_LINE.exec(line);
    if (match) out.set(match[3]!, { role: match[1]!, name: unescape(match[2] ?? '') });
  }
  return out;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** The locator of a ref in the latest snapshot. */
export function refLocator(page: Page, ref: string): Locator {
  return page.locator(`aria-ref=${ref}`);
}

/** Runs in the page (a string: this project compiles without the DOM library). */
const DESCRIBE_ELEMENT = new Function('element', `
  const testId = element.getAttribute('data-testid') || undefined;
  const parts = [];
  let node = element;
  while (node && node !== document.documentElement) {
    if (node.id && /^[A-Za-z][\\w-]*$/.test(node.id)) { parts.unshift('#' + node.id); break; }
    const tag = node.tagName.toLowerCase();
    const parent = node.parentElement;
    const same = parent ? Array.from(parent.children).filter((c) => c.tagName === node.tagName) : [];
    parts.unshift(same.length > 1 ? tag + ':nth-of-type(' + (same.indexOf(node) + 1) + ')' : tag);
    node = parent;
  }
  return { testId, css: parts.join(' > ') };
`) as (element: unknown) => { testId?: string; css: string };

/** Test id and CSS path of an element, for the cache's fallbacks. */
export async function describeTarget(locator: Locator, entry: SnapshotEntry): Promise<TargetSpec> {
  const extra = await locator.evaluate(DESCRIBE_ELEMENT);
  return { role: entry.role, name: entry.name, ...(extra.testId ? { testId: extra.testId } : {}), ...(extra.css ? { css: extra.css } : {}) };
}

/** Role and name of the one element a locator matches, as its aria snapshot states them. */
async function roleAndName(locator: Locator): Promise<SnapshotEntry | null> {
  const snapshot = await locator.ariaSnapshot({ timeout: 2_000 }).catch(() => null);
  const first = snapshot?.split('\n')[0] ?? '';
  const match = /^\s*-\s+([a-z]+)(?:\s+"((?:[^"\\]|\\.)*)")?/.exec(first);
  return match ? { role: match[1]!, name: unescape(match[2] ?? '') } : null;
}

/**
 * Finds a recorded target again: role + name, then test id, then CSS; a candidate counts only
 * when it matches exactly one element whose role and accessible name are the recorded ones.
 * Returns null when the page no longer has that element (the replay has diverged).
 */
export async function resolveTarget(page: Page, target: TargetSpec): Promise<Locator | null> {
  const candidates: Locator[] = [];
  if (target.name) candidates.push(page.getByRole(target.role as Parameters<Page['getByRole']>[0], { name: target.name, exact: true }));
  if (target.testId) candidates.push(page.getByTestId(target.testId));
  if (target.css) candidates.push(page.locator(target.css));
  for (const candidate of candidates) {
    if ((await candidate.count()) !== 1) continue;
    const seen = await roleAndName(candidate);
    if (seen && seen.role === target.role && seen.name === target.name) return candidate;
  }
  return null;
}
