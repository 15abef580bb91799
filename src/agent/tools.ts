/**
 * The agent's tools: their argument schemas (zod, sent to the model as JSON Schema) and how
 * each acts on the page. The same `act` serves the model loop and the cache's replay.
 */
import { z } from 'zod';
import type { Locator, Page } from 'playwright-core';
import type { ToolSpec } from './providers/provider.js';
import type { ToolName } from './trajectory.js';

const reason = z.string().describe('Why this action, in one sentence (shown in the run record).');
const ref = z.string().regex(/^[a-z0-9]+$/).describe('The element ref from the latest snapshot, e.g. e12.');

export const TOOL_ARGS = {
  navigate: z.object({ url: z.string().min(1), reason }),
  click: z.object({ ref, reason }),
  type: z.object({ ref, text: z.string(), submit: z.boolean().optional().describe('Press Enter after typing.'), reason }),
  select: z.object({ ref, value: z.string().describe('The option label or value.'), reason }),
  press: z.object({ key: z.string().min(1).describe('A key such as Enter, Tab, ArrowDown.'), ref: ref.optional(), reason }),
  scroll: z.object({ direction: z.enum(['up', 'down']), reason }),
  wait: z.object({ ms: z.number().int().min(0).max(10_000), reason }),
  extract: z.object({
    fields: z
      .array(
        z.object({
          name: z.string().min(1).describe('The output field this value goes to.'),
          ref,
          pattern: z.string().optional().describe('Optional regular expression; its first group is the value.'),
        }),
      )
      .min(1),
    reason,
  }),
  done: z.object({ output: z.record(z.string(), z.unknown()).describe('The output; fields you extracted are filled in from the page.'), reason }),
  fail: z.object({ reason }),
} satisfies Record<ToolName, z.ZodType>;

const DESCRIPTIONS: Record<ToolName, string> = {
  navigate: 'Open a URL in the current tab.',
  click: 'Click an element.',
  type: 'Replace the text of an input with the given text.',
  select: 'Choose an option of a select element.',
  press: 'Press a key, on an element or on the page.',
  scroll: 'Scroll the page by one screen.',
  wait: 'Wait for the page to settle (at most 10 s).',
  extract: 'Read output fields from elements of the page; values come from the page, not from you.',
  done: 'Finish with the output (it must match the output schema).',
  fail: 'Give up: the task cannot be done; say why.',
};

export const TOOL_SPECS: ToolSpec[] = (Object.keys(TOOL_ARGS) as ToolName[]).map((name) => {
  const { $schema: _drop, ...parameters } = z.toJSONSchema(TOOL_ARGS[name]) as Record<string, unknown>;
  return { name, description: DESCRIPTIONS[name], parameters };
});

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOL_ARGS, name);
}

const ACTION_TIMEOUT_MS = 10_000;

/** Performs a page action; the target (if any) is already resolved. Returns what happened. */
export async function act(page: Page, tool: 'navigate' | 'click' | 'type' | 'select' | 'press' | 'scroll' | 'wait', target: Locator | null, args: Record<string, unknown>): Promise<string> {
  const need = (): Locator => {
    if (!target) throw new Error(`${tool} needs an element`);
    return target;
  };
  switch (tool) {
    case 'navigate':
      await page.goto(String(args.url), { timeout: 30_000 });
      return `navigated to ${page.url()}`;
    case 'click':
      await need().click({ timeout: ACTION_TIMEOUT_MS });
      await settle(page);
      return `clicked; now at ${page.url()}`;
    case 'type':
      await need().fill(String(args.text), { timeout: ACTION_TIMEOUT_MS });
      if (args.submit === true) {
        await need().press('Enter', { timeout: ACTION_TIMEOUT_MS });
        await settle(page);
      }
      return `typed; now at ${page.url()}`;
    case 'select': {
      const value = String(args.value);
      const chosen = await need().selectOption([{ label: value }], { timeout: 2_000 }).catch(() => need().selectOption(value, { timeout: ACTION_TIMEOUT_MS }));
      return `selected ${chosen.join(', ')}`;
    }
    case 'press':
      if (target) await target.press(String(args.key), { timeout: ACTION_TIMEOUT_MS });
      else await page.keyboard.press(String(args.key));
      await settle(page);
      return `pressed ${String(args.key)}; now at ${page.url()}`;
    case 'scroll':
      await page.mouse.wheel(0, args.direction === 'up' ? -600 : 600);
      return `scrolled ${String(args.direction)}`;
    case 'wait':
      await page.waitForTimeout(Number(args.ms));
      return `waited ${Number(args.ms)} ms`;
  }
}

/** Lets a navigation that an action started finish before the next observation. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('domcontentloaded', { timeout: ACTION_TIMEOUT_MS }).catch(() => undefined);
}

/** Runs in the page (a string: this project compiles without the DOM library). */
const READ_TEXT = new Function('element', "return ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) ? element.value : (element.innerText ?? element.textContent ?? '')") as (element: unknown) => string;

/** The text of an element as a reader sees it (an input's value for form fields). */
export async function readText(target: Locator, pattern: string | undefined): Promise<string | null> {
  const text = String(await target.evaluate(READ_TEXT));
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (!pattern) return trimmed;
  const match = new RegExp(pattern).exec(trimmed);
  if (!match) return null;
  return (match[1] ?? match[0]).trim();
}
