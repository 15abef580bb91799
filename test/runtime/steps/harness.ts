/**
 * One Chromium for a test file, a fresh context per test, the demo site on a random port, and
 * a StepsEnvironment whose state, artifacts and log lines the test can inspect.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { parseStepsDefinition, runSteps, type StepsEnvironment } from '../../../src/runtime/steps/interpreter.js';
import type { Json } from '../../../src/store/types.js';
import { startDemoSite, type DemoSite } from '../../../examples/demo/site.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const LAUNCH_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const chromiumMissing = existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is not installed`;
if (chromiumMissing) console.warn(`skipping browser tests: ${chromiumMissing}`);

/** Browser tests on a busy 2-core machine can take several times their usual seconds. */
export const BROWSER_TEST_TIMEOUT_MS = 90_000;

/** A Monday noon, UTC: the demo site's numbers are computed from it. */
export const DEMO_START = Date.UTC(2026, 10, 23, 12, 0, 0);
export const ALICE = { user: 'alice', password: 'wonderland-7f3q' };

/** Chromium processes started by this test process (ps lists zombies too, as <defunct>). */
export function chromiumChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim()).filter((l) => /chrom/i.test(l));
}

export interface Harness {
  readonly site: DemoSite;
  readonly clock: FakeClock;
  /** A StepsEnvironment on this test's page (a fresh context per test). */
  environment(overrides?: Partial<Omit<StepsEnvironment, 'page'>>): Promise<TestEnvironment>;
  /** Parses and runs a definition in a fresh environment. */
  run(definition: unknown, overrides?: Partial<Omit<StepsEnvironment, 'page'>>): Promise<Json>;
}

export interface TestEnvironment extends StepsEnvironment {
  stored: Map<string, Json>;
  saved: { name: string; body: Buffer; contentType: string }[];
  lines: string[];
}

export function useBrowserAndSite(): Harness {
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let site: DemoSite;
  const clock = new FakeClock(DEMO_START);

  beforeAll(async () => {
    site = await startDemoSite(0, { clock, users: { demo: 'demo', [ALICE.user]: ALICE.password } });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
    // The leftover check in afterAll only means something if it can see the browser we started.
    expect(chromiumChildren().length).toBeGreaterThan(0);
  }, BROWSER_TEST_TIMEOUT_MS);
  afterEach(async () => {
    await context?.close();
    context = undefined;
    page = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    // Closing the browser must leave no Chromium process behind (no zombies either).
    expect(chromiumChildren()).toEqual([]);
  }, BROWSER_TEST_TIMEOUT_MS);

  async function environment(overrides: Partial<Omit<StepsEnvironment, 'page'>> = {}): Promise<TestEnvironment> {
    if (!page) {
      context = await browser.newContext();
      page = await context.newPage();
    }
    const stored = new Map<string, Json>();
    const saved: TestEnvironment['saved'] = [];
    const lines: string[] = [];
    return {
      page,
      params: { base: site.url },
      secrets: {},
      state: {
        get: async (key) => stored.get(key),
        set: async (key, value) => void stored.set(key, value),
        all: async () => Object.fromEntries(stored),
      },
      artifacts: { save: async (name, body, contentType) => void saved.push({ name, body, contentType }) },
      log: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }),
      signal: new AbortController().signal,
      ...overrides,
      stored,
      saved,
      lines,
    };
  }

  return {
    get site() { return site; },
    clock,
    environment,
    async run(definition, overrides = {}) {
      return runSteps(parseStepsDefinition(definition as Json), await environment(overrides));
    },
  };
}
