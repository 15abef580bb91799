/**
 * The browser benchmark (docs/benchmarks.md, "Browser sessions"): how long from a run's nominal
 * time to its first navigation committed, with a pre-warmed context, a fresh context in a running
 * browser, and a browser launched per run (the common approach); and the RSS of the pool's
 * Chromium after many runs, with a count of defunct processes.
 *
 *   npm run bench -- --suite browser          # 200 runs per mode, RSS after 100 and 1,000 runs
 *   BENCH_RUNS=50 npm run bench -- --suite browser   # scaled down (RSS after 25 and 250)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { SystemClock } from '../src/clock.js';
import { BrowserPool, chromiumAvailable, chromiumExecutable, CHROMIUM_ARGS } from '../src/runtime/browser-pool.js';
import { commandLine, listProcesses, processTree } from '../src/runtime/processes.js';
import { Session } from '../src/runtime/session.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { fmtInt, fmtMs, fmtRatio, percentile, table } from './harness.js';

const log = (line: string) => console.log(line);

interface Mode {
  name: string;
  /** Gets ready for one run before its nominal time (not measured). */
  prepare(): Promise<void>;
  /** From the nominal time: everything until the first navigation has committed. */
  start(url: string): Promise<() => Promise<void>>;
}

function summary(values: number[]): { p50: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

function chromiumBelowUs(): { live: number; defunct: number } {
  const table = listProcesses();
  const mine = processTree(process.pid, table).slice(1);
  const chromiums = mine.filter((p) => commandLine(p.pid).some((a) => /chrom/i.test(a)) || p.state === 'Z');
  return { live: chromiums.filter((p) => p.state !== 'Z').length, defunct: chromiums.filter((p) => p.state === 'Z').length };
}

export async function browserBench(): Promise<void> {
  log('\n== browser sessions (Chromium via playwright-core)');
  if (!chromiumAvailable()) {
    log(`  skipped: no Chromium at ${chromiumExecutable()} (set AGENTCRON_CHROMIUM)`);
    return;
  }
  const runs = Number(process.env.BENCH_RUNS ?? 200);
  if (!Number.isInteger(runs) || runs < 2) throw new Error(`BENCH_RUNS must be an integer >= 2, got ${process.env.BENCH_RUNS}`);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body><h1>bench</h1></body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const logger = silentLogger();
  const clock = new SystemClock();
  const pool = new BrowserPool({ logger, clock, browsers: 1, maxWarmContexts: 1 });

  const viaPool = (name: string, warm: boolean): Mode => ({
    name,
    prepare: async () => {
      if (warm) await pool.fillWarm(1);
    },
    start: async (target) => {
      const session = await Session.open(pool, { log: logger });
      if (warm && !session.warm) throw new Error('expected a pre-warmed context');
      await session.page.goto(target, { waitUntil: 'commit' });
      return async () => void (await session.close());
    },
  });
  const launchPerRun: Mode = {
    name: 'browser launched per run',
    prepare: async () => undefined,
    start: async (target) => {
      const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS], headless: true });
      const context = await browser.newContext();
      await context.tracing.start({ screenshots: true, snapshots: true });
      const page = await context.newPage();
      await page.goto(target, { waitUntil: 'commit' });
      return async () => browser.close();
    },
  };
  const modes = [viaPool('pre-warmed context', true), viaPool('fresh context', false), launchPerRun];

  try {
    // One session first so the pool's browser is up before any mode is measured.
    await (await viaPool('warm-up', false).start(url))();
    const results: Array<{ name: string; p50: number; p95: number }> = [];
    for (const mode of modes) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        await mode.prepare();
        const nominal = performance.now();
        const finish = await mode.start(url);
        times.push(performance.now() - nominal);
        await finish();
      }
      const s = summary(times);
      results.push({ name: mode.name, ...s });
      log(`  ${mode.name}: p50 ${fmtMs(s.p50)}, p95 ${fmtMs(s.p95)} over ${fmtInt(runs)} runs`);
    }
    const base = results.find((r) => r.name === 'browser launched per run')!;
    log(`\n## Nominal time → first navigation committed (${fmtInt(runs)} runs each; ratio = launch-per-run ÷ this mode)`);
    log(
      table(
        ['mode', 'p50', 'p95', 'p50 speed-up', 'p95 speed-up'],
        results.map((r) => [r.name, fmtMs(r.p50), fmtMs(r.p95), fmtRatio(base.p50 / r.p50), fmtRatio(base.p95 / r.p95)]),
      ),
    );

    // RSS after many runs through the real path (context, trace, screenshot, close), default recycling.
    const small = Math.max(1, Math.round((100 * runs) / 200));
    const large = Math.max(small + 1, Math.round((1000 * runs) / 200));
    const rssPool = new BrowserPool({ logger, clock, browsers: 1 });
    const rss: Array<[number, number, number]> = [];
    try {
      for (let i = 1; i <= large; i++) {
        const session = await Session.open(rssPool, { log: logger });
        await session.page.goto(url, { waitUntil: 'load' });
        await session.close();
        if (i === small || i === large) {
          const s = rssPool.stats();
          rss.push([i, s.rssBytes, s.recycled]);
        }
      }
    } finally {
      await rssPool.close();
    }
    log(`\n## Pool RSS (Chromium process tree) after N runs`);
    log(
      table(
        ['runs', 'RSS', 'browsers recycled'],
        rss.map(([n, bytes, recycled]) => [fmtInt(n), `${(bytes / 2 ** 20).toFixed(0)} MiB`, fmtInt(recycled)]),
      ),
    );
    const [first, last] = [rss[0]!, rss[rss.length - 1]!];
    log(`RSS ratio after ${fmtInt(last[0])} vs ${fmtInt(first[0])} runs: ${fmtRatio(last[1] / first[1])}`);
  } finally {
    await pool.close();
    server.close();
  }
  const left = chromiumBelowUs();
  log(`Chromium processes left after closing the pools: ${left.live} live, ${left.defunct} defunct`);
}
