/**
 * The steps that act on or read the page. Each uses Playwright locators with the step's timeout,
 * so the trace shows every action and a hung page stops at the timeout.
 */
import type { Locator, Page } from 'playwright-core';
import { SystemClock } from '../../clock.js';
import type { Json } from '../../store/types.js';
import { RunFailure } from '../failure.js';
import type {
  AssertSpec, CheckSpec, ClickSpec, ExtractSpec, FieldSpec, FillSpec, GotoSpec, HoverSpec, ListSpec,
  PressSpec, ScreenshotSpec, ScrollSpec, SelectSpec, WaitSpec,
} from './definition.js';
import { parseDisplayedNumber } from './number.js';

export interface ActionContext {
  page: Page;
  timeoutMs: number;
  signal: AbortSignal;
  /** Index path of the step, used to name screenshots and extracted fields in errors. */
  path: string;
  saveArtifact(name: string, body: Buffer, contentType: string): Promise<void>;
}

const POLL_MS = 100;
/** The browser lives in real time, so waits on it do too. */
const realTime = new SystemClock();

/** Statuses worth another attempt; any other status of 400 or more will not change by retrying. */
function transientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export async function gotoAction(spec: GotoSpec, ctx: ActionContext): Promise<void> {
  const response = await ctx.page.goto(spec.url, { timeout: ctx.timeoutMs, waitUntil: spec.waitUntil ?? 'load' });
  const status = response?.status();
  if (status !== undefined && status >= 400) {
    throw new RunFailure(`the page answered HTTP ${status}`, { kind: 'http-status', retryable: transientStatus(status) });
  }
}

export async function clickAction(spec: ClickSpec, ctx: ActionContext): Promise<void> {
  await ctx.page.locator(spec.selector).click({
    timeout: ctx.timeoutMs,
    ...(spec.button === undefined ? {} : { button: spec.button }),
    ...(spec.clickCount === undefined ? {} : { clickCount: spec.clickCount }),
  });
}

export async function fillAction(spec: FillSpec, ctx: ActionContext): Promise<void> {
  await ctx.page.locator(spec.selector).fill(String(spec.value), { timeout: ctx.timeoutMs });
}

export async function pressAction(spec: PressSpec, ctx: ActionContext): Promise<void> {
  if (spec.selector === undefined) await ctx.page.keyboard.press(spec.key);
  else await ctx.page.locator(spec.selector).press(spec.key, { timeout: ctx.timeoutMs });
}

export async function selectAction(spec: SelectSpec, ctx: ActionContext): Promise<void> {
  const labels = spec.label === undefined ? undefined : (Array.isArray(spec.label) ? spec.label : [spec.label]).map((label) => ({ label }));
  await ctx.page.locator(spec.selector).selectOption(labels ?? spec.value ?? null, { timeout: ctx.timeoutMs });
}

export async function checkAction(spec: CheckSpec, ctx: ActionContext): Promise<void> {
  await ctx.page.locator(spec.selector).setChecked(spec.checked, { timeout: ctx.timeoutMs });
}

export async function hoverAction(spec: HoverSpec, ctx: ActionContext): Promise<void> {
  await ctx.page.locator(spec.selector).hover({ timeout: ctx.timeoutMs });
}

export async function scrollAction(spec: ScrollSpec, ctx: ActionContext): Promise<void> {
  if (spec.selector !== undefined) return ctx.page.locator(spec.selector).scrollIntoViewIfNeeded({ timeout: ctx.timeoutMs });
  // A wheel event is what a person does, and it shows in the trace; far enough reaches either end.
  const delta = spec.by ?? (spec.to === 'top' ? -1e7 : 1e7);
  await ctx.page.mouse.wheel(0, delta);
}

export async function waitAction(spec: WaitSpec, ctx: ActionContext): Promise<void> {
  if (spec.selector !== undefined) {
    await ctx.page.locator(spec.selector).first().waitFor({ state: spec.state ?? 'visible', timeout: ctx.timeoutMs });
  } else if (spec.text !== undefined) {
    await ctx.page.getByText(spec.text).first().waitFor({ state: 'visible', timeout: ctx.timeoutMs });
  } else if (spec.url !== undefined) {
    const wanted = spec.url;
    // A glob such as `**/dashboard` as Playwright reads it; anything else is a substring of the URL.
    await ctx.page.waitForURL(wanted.includes('*') ? wanted : (url) => url.href.includes(wanted), { timeout: ctx.timeoutMs, waitUntil: 'commit' });
  } else if (spec.timeMs !== undefined) {
    await realTime.sleep(spec.timeMs, ctx.signal);
  }
}

export async function screenshotAction(spec: ScreenshotSpec, ctx: ActionContext): Promise<void> {
  // Password fields are always masked: their value is usually a secret.
  const mask = ['input[type=password]', ...spec.mask].map((s) => ctx.page.locator(s));
  const body = spec.selector === undefined
    ? await ctx.page.screenshot({ fullPage: spec.fullPage, mask, timeout: ctx.timeoutMs })
    : await ctx.page.locator(spec.selector).screenshot({ mask, timeout: ctx.timeoutMs });
  const name = spec.name ?? ctx.path.replace(/[^\w-]+/g, '-').replace(/-+$/, '');
  await ctx.saveArtifact(`${name}.png`, body, 'image/png');
}

// ---- extract ------------------------------------------------------------------------------

function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function missingField(where: string, what: string): RunFailure {
  return new RunFailure(`${where}: ${what}`, { kind: 'extract', retryable: false });
}

function convert(raw: string, field: FieldSpec, where: string): Json {
  if (field.type === 'text') return field.attribute === undefined ? squeeze(raw) : raw;
  const value = parseDisplayedNumber(raw, field.decimal);
  if (value === undefined) throw missingField(where, `${JSON.stringify(squeeze(raw).slice(0, 80))} is not a number`);
  return value;
}

async function readAttribute(locator: Locator, field: FieldSpec & { attribute: string }, where: string, timeoutMs: number): Promise<Json> {
  const value = await locator.getAttribute(field.attribute, { timeout: timeoutMs });
  if (value === null) {
    if (field.optional) return null;
    throw missingField(where, `the element has no attribute ${JSON.stringify(field.attribute)}`);
  }
  return convert(value, field, where);
}

/**
 * One field. On the page a required field waits up to the timeout for its element; inside a row
 * the row is already there, so a missing element is reported at once.
 */
async function readField(scope: Page | Locator, field: FieldSpec, where: string, ctx: ActionContext, inRow: boolean): Promise<Json> {
  const locator = field.selector === undefined ? (scope as Locator) : scope.locator(field.selector);
  if (!field.optional && !inRow) {
    try {
      await locator.first().waitFor({ state: 'attached', timeout: ctx.timeoutMs });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw missingField(where, `no element matches ${JSON.stringify(field.selector)} after ${ctx.timeoutMs} ms`);
      }
      throw error;
    }
  }
  const missing = (): Json => {
    if (field.optional) return field.all ? [] : null;
    throw missingField(where, `no element matches ${JSON.stringify(field.selector ?? '(the row)')}`);
  };
  if (field.attribute === undefined) {
    // One round trip for text, whatever the number of matches: tables have many cells.
    const texts = await locator.allInnerTexts();
    if (texts.length === 0) return missing();
    return field.all ? texts.map((t, i) => convert(t, field, `${where}[${i}]`)) : convert(texts[0]!, field, where);
  }
  const attributeField = field as FieldSpec & { attribute: string };
  if ((await locator.count()) === 0) return missing();
  if (!field.all) return readAttribute(locator.first(), attributeField, where, ctx.timeoutMs);
  const values: Json[] = [];
  for (const [i, item] of (await locator.all()).entries()) values.push(await readAttribute(item, attributeField, `${where}[${i}]`, ctx.timeoutMs));
  return values;
}

async function readList(spec: ListSpec, where: string, ctx: ActionContext): Promise<Json[]> {
  // Rows are read as they are: an empty table is a valid answer (wait for the rows first if the
  // page renders them late).
  const rows = await ctx.page.locator(spec.rows).all();
  const records: Json[] = [];
  for (const [i, row] of rows.entries()) {
    const record: { [key: string]: Json } = {};
    for (const [name, field] of Object.entries(spec.fields)) record[name] = await readField(row, field, `${where}[${i}].${name}`, ctx, true);
    records.push(record);
  }
  return records;
}

export async function extractAction(spec: ExtractSpec, ctx: ActionContext): Promise<Record<string, Json>> {
  const out: Record<string, Json> = {};
  for (const [name, field] of Object.entries(spec)) {
    const where = `${ctx.path}.extract.${name}`;
    out[name] = 'rows' in field ? await readList(field, where, ctx) : await readField(ctx.page, field, where, ctx, false);
  }
  return out;
}

// ---- assert -------------------------------------------------------------------------------

/** The visible text of the first match, or undefined when nothing matches (no waiting). */
export async function visibleText(page: Page, selector: string | undefined, timeoutMs: number): Promise<string | undefined> {
  const locator = page.locator(selector ?? 'body').first();
  if ((await locator.count()) === 0) return undefined;
  return squeeze(await locator.innerText({ timeout: timeoutMs }));
}

/** Checks once; returns a description of the mismatch, or undefined when the assertion holds. */
async function checkAssertion(spec: AssertSpec, page: Page, timeoutMs: number): Promise<string | undefined> {
  if ('text' in spec) {
    const found = await visibleText(page, spec.selector, timeoutMs);
    const where = spec.selector === undefined ? 'the page' : JSON.stringify(spec.selector);
    if (found === undefined) return `expected text ${JSON.stringify(spec.text)} in ${where}, but nothing matches ${where}`;
    return found.includes(squeeze(spec.text)) ? undefined : `expected text ${JSON.stringify(spec.text)} in ${where}, found ${JSON.stringify(found.slice(0, 200))}`;
  }
  if ('exists' in spec) {
    return (await page.locator(spec.exists).count()) > 0 ? undefined : `expected an element matching ${JSON.stringify(spec.exists)}, found none`;
  }
  if ('count' in spec) {
    const { selector, equals, min, max } = spec.count;
    const n = await page.locator(selector).count();
    const ok = (equals === undefined || n === equals) && (min === undefined || n >= min) && (max === undefined || n <= max);
    const wanted = [equals === undefined ? '' : `exactly ${equals}`, min === undefined ? '' : `at least ${min}`, max === undefined ? '' : `at most ${max}`].filter(Boolean).join(' and ');
    return ok ? undefined : `expected ${wanted} elements matching ${JSON.stringify(selector)}, found ${n}`;
  }
  const url = page.url();
  const { equals, contains, matches } = spec.url;
  if (equals !== undefined) return url === equals ? undefined : `expected URL ${JSON.stringify(equals)}, at ${JSON.stringify(url)}`;
  if (contains !== undefined) return url.includes(contains) ? undefined : `expected URL containing ${JSON.stringify(contains)}, at ${JSON.stringify(url)}`;
  return new RegExp(matches!).test(url) ? undefined : `expected URL matching /${matches}/, at ${JSON.stringify(url)}`;
}

/**
 * Retries the check until it holds or the step's timeout passes (pages settle after an action),
 * then fails as an assertion: retrying the attempt would most likely see the same page.
 */
export async function assertAction(spec: AssertSpec, ctx: ActionContext): Promise<void> {
  const deadline = realTime.now() + ctx.timeoutMs;
  for (;;) {
    let mismatch: string | undefined;
    let unreadable: unknown;
    try {
      mismatch = await checkAssertion(spec, ctx.page, Math.max(1, deadline - realTime.now()));
      if (mismatch === undefined) return;
    } catch (error) {
      // The page did not answer a read in time: keep trying until the deadline.
      if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
      unreadable = error;
    }
    if (realTime.now() + POLL_MS > deadline) {
      // A page too busy to be read is not a verdict on it; another attempt may see it settled.
      if (mismatch === undefined) throw unreadable;
      throw new RunFailure(spec.message === undefined ? mismatch : `${spec.message} (${mismatch})`, { kind: 'assertion', retryable: false });
    }
    await realTime.sleep(POLL_MS, ctx.signal);
  }
}
