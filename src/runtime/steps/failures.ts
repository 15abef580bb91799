import type { Page } from 'playwright-core';
import type { Json } from '../../store/types.js';
import { RunFailure } from '../failure.js';
import { maskSecrets } from '../mask.js';

/** Where a step failed: its index path (`steps[2].each.steps[1]`), kind, selector and loop item. */
export interface StepPlace {
  path: string;
  kind: string;
  /** The step's `name`, when it has one. */
  label?: string;
  selector?: string;
  /** "item 3 of 10" inside an `each`. */
  iteration?: string;
}

/** What was on the page when a step failed, so the error can be read without opening the replay. */
export interface PageSnapshot { url: string; title: string; text: string }

const EXCERPT_CHARS = 300;
/** Enough for a busy machine; a page that cannot answer in this time is described as empty. */
const DESCRIBE_TIMEOUT_MS = 3000;

/** A hung or crashed page must not hang the error report: every read is bounded and optional. */
export async function snapshotPage(page: Page): Promise<PageSnapshot> {
  const bounded = <T>(work: Promise<T>, fallback: T): Promise<T> =>
    Promise.race([
      work.catch(() => fallback),
      new Promise<T>((resolve) => setTimeout(() => resolve(fallback), DESCRIBE_TIMEOUT_MS).unref()),
    ]);
  const url = page.isClosed() ? '(page closed)' : page.url();
  const [title, text] = page.isClosed()
    ? ['', '']
    : await Promise.all([bounded(page.title(), ''), bounded(page.locator('body').innerText({ timeout: DESCRIBE_TIMEOUT_MS }), '')]);
  const squeezed = text.replace(/\s+/g, ' ').trim();
  return { url, title, text: squeezed.length > EXCERPT_CHARS ? `${squeezed.slice(0, EXCERPT_CHARS)}…` : squeezed };
}

/** How a Playwright error is classified: a timeout or a navigation error may pass on the next try. */
export function classifyError(error: unknown): { kind: string; retryable: boolean } {
  if (error instanceof RunFailure) return { kind: error.kind, retryable: error.retryable };
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'TimeoutError') return { kind: 'timeout', retryable: true };
  if (/net::ERR_|NS_ERROR_|Navigation failed|frame was detached|navigating frame was detached/i.test(message)) {
    return { kind: 'navigation', retryable: true };
  }
  if (/has been closed|Target crashed|Page crashed|browser has disconnected/i.test(message)) return { kind: 'browser', retryable: true };
  if (/strict mode violation|is not a valid selector|Unexpected token|Unknown engine/i.test(message)) return { kind: 'selector', retryable: false };
  // Anything else (an element of the wrong type, a detached node) is a surprise: one more try is cheap.
  return { kind: 'step', retryable: true };
}

/** The first line of a Playwright message, without its call log (the replay has that). */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'failed';
}

/**
 * Turns anything a step threw into a RunFailure whose message names the step, the selector and
 * what was on the page: `steps[2] click "#buy": Timeout 5000ms exceeded — on <url> "<title>",
 * visible text: "…"`. Secrets are masked in the message and details.
 */
export async function stepFailure(error: unknown, place: StepPlace, page: Page, secrets: readonly string[]): Promise<RunFailure> {
  const { kind, retryable } = classifyError(error);
  const snapshot = await snapshotPage(page);
  const where = `${place.path}${place.label === undefined ? '' : ` [${place.label}]`} ${place.kind}${place.selector === undefined ? '' : ` ${JSON.stringify(place.selector)}`}${place.iteration === undefined ? '' : ` (${place.iteration})`}`;
  const reason = error instanceof RunFailure ? error.message : firstLine(error);
  const onPage = `on ${snapshot.url}${snapshot.title ? ` ${JSON.stringify(snapshot.title)}` : ''}, visible text: ${JSON.stringify(snapshot.text)}`;
  const message = maskSecrets(`${where}: ${reason} — ${onPage}`, secrets);
  const details: Json = {
    step: place.path,
    stepKind: place.kind,
    ...(place.selector === undefined ? {} : { selector: maskSecrets(place.selector, secrets) }),
    page: { url: maskSecrets(snapshot.url, secrets), title: maskSecrets(snapshot.title, secrets), text: maskSecrets(snapshot.text, secrets) },
  };
  // No `cause`: the original error's text is unmasked and could reach a log serializer.
  return new RunFailure(message, { kind, retryable, details });
}
