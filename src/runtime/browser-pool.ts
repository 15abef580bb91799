import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Instant } from '../store/types.js';
import type { BrowserPoolMetrics, RecycleReason } from '../telemetry/metrics.js';
import { RunFailure } from './failure.js';
import { findByArgument, killTree, treeRssBytes } from './processes.js';

/** Flags for Debian's Chromium in a server: no sandbox (containers), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export function chromiumExecutable(): string {
  return process.env.AGENTCRON_CHROMIUM ?? '/usr/bin/chromium';
}

export function chromiumAvailable(): boolean {
  return existsSync(chromiumExecutable());
}

export type Isolation = 'shared' | 'strict';

export interface BrowserPoolOptions {
  logger: Logger;
  /** Drives pre-warm timers, so tests and the scheduler agree on "shortly before". */
  clock: Clock;
  executablePath?: string;
  /** Long-lived browsers shared by attempts (default 2). */
  browsers?: number;
  /** A browser is replaced after this many sessions (default 200). */
  maxSessionsPerBrowser?: number;
  /** ... or when its process tree's RSS exceeds this (default 1.5 GiB). */
  maxRssBytes?: number;
  /** Closing a context or a browser waits this long, then kills (default 5 s). */
  closeTimeoutMs?: number;
  launchTimeoutMs?: number;
  /** Contexts are warmed this long before the instant given to prewarm (default 2 s). */
  prewarmLeadMs?: number;
  /** At most this many warm contexts wait at once (default 4). */
  maxWarmContexts?: number;
  /** A warm context nobody took is closed after this long (default 60 s). */
  warmTtlMs?: number;
  /** Told when a browser is replaced, and why (docs/observability.md). */
  metrics?: BrowserPoolMetrics | null;
}

/** One Chromium process the pool started. */
interface PooledBrowser {
  id: string;
  browser: Browser;
  pid: number | null;
  strict: boolean;
  sessions: number;
  live: number;
  draining: boolean;
  dead: boolean;
  /** Aborted when the browser disconnects; every lease on it fails with the reason. */
  lost: AbortController;
}

interface WarmContext {
  owner: PooledBrowser;
  context: BrowserContext;
  /** Opened ahead too: a new page (renderer process) is a good part of a session's start-up. */
  page: Page;
  createdAt: Instant;
}

/** A fresh context for one attempt. Release it exactly once (Session does). */
export interface BrowserLease {
  readonly context: BrowserContext;
  /** Pid of the browser process the context lives in (null if it could not be found). */
  readonly browserPid: number | null;
  /** Aborted (with a retryable RunFailure) when the browser dies under the attempt. */
  readonly lost: AbortSignal;
  /** True when the context was pre-warmed. */
  readonly warm: boolean;
  /** A blank page opened in advance (pre-warmed contexts), or null. */
  readonly page: Page | null;
  release(): Promise<void>;
}

export interface PoolStats {
  browsers: number;
  launched: number;
  recycled: number;
  crashed: number;
  warm: number;
  live: number;
  rssBytes: number;
  pids: number[];
}

/**
 * Long-lived Chromium processes handing out a fresh BrowserContext per attempt (DESIGN.md
 * invariant 7): a crash or a hang costs one attempt, and browsers are replaced after N
 * sessions, above a memory bound, or when they die. Only processes this pool started are
 * ever killed, found by a marker argument on their command line.
 */
export class BrowserPool {
  private readonly opts: Required<Omit<BrowserPoolOptions, 'logger' | 'clock' | 'metrics'>>;
  private readonly metrics: BrowserPoolMetrics | null;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly slots: Array<Promise<PooledBrowser> | null>;
  private readonly all = new Set<PooledBrowser>();
  private readonly closing = new Set<Promise<void>>();
  private warm: WarmContext[] = [];
  private readonly stop = new AbortController();
  private closed = false;
  private counters = { launched: 0, recycled: 0, crashed: 0 };

  constructor(options: BrowserPoolOptions) {
    this.log = options.logger.child({ component: 'browser-pool' });
    this.clock = options.clock;
    this.metrics = options.metrics ?? null;
    this.opts = {
      executablePath: options.executablePath ?? chromiumExecutable(),
      browsers: options.browsers ?? 2,
      maxSessionsPerBrowser: options.maxSessionsPerBrowser ?? 200,
      maxRssBytes: options.maxRssBytes ?? 1.5 * 1024 ** 3,
      closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
      launchTimeoutMs: options.launchTimeoutMs ?? 30_000,
      prewarmLeadMs: options.prewarmLeadMs ?? 2_000,
      maxWarmContexts: options.maxWarmContexts ?? 4,
      warmTtlMs: options.warmTtlMs ?? 60_000,
    };
    this.slots = Array.from({ length: Math.max(1, this.opts.browsers) }, () => null);
  }

  /** A fresh context: pre-warmed when one is ready, else new; `strict` gets a browser of its own. */
  async acquire(options: { isolation?: Isolation } = {}): Promise<BrowserLease> {
    if (this.closed) throw new Error('the browser pool is closed');
    if (options.isolation === 'strict') {
      const owner = await this.launch(true);
      try {
        return this.lease(owner, await this.newContext(owner), null);
      } catch (error) {
        await this.retire(owner, 'strict context failed');
        throw this.asFailure(owner, error, 'could not open a browser context');
      }
    }
    const warm = this.takeWarm();
    if (warm) return this.lease(warm.owner, warm.context, warm.page);
    const owner = await this.pickShared();
    owner.live++;
    try {
      const context = await this.newContext(owner);
      owner.live--;
      return this.lease(owner, context, null);
    } catch (error) {
      owner.live--;
      throw this.asFailure(owner, error, 'could not open a browser context');
    }
  }

  /**
   * Warms up to `count` contexts shortly (prewarmLeadMs) before `at`, so an occurrence due then
   * starts on a ready context. The scheduler calls this with its next due instant.
   */
  prewarm(count: number, at: Instant): void {
    if (this.closed || count <= 0) return;
    const delay = Math.max(0, at - this.opts.prewarmLeadMs - this.clock.now());
    void this.clock
      .sleep(delay, this.stop.signal)
      .then(() => this.fillWarm(count))
      .catch(() => undefined);
  }

  /** Warms contexts now, up to `count` waiting in total (bounded by maxWarmContexts). */
  async fillWarm(count: number): Promise<void> {
    const target = Math.min(count, this.opts.maxWarmContexts);
    this.expireWarm();
    while (!this.closed && this.warm.length < target) {
      const owner = await this.pickShared();
      owner.live++;
      try {
        const context = await this.newContext(owner);
        const page = await context.newPage();
        if (this.closed || owner.dead) {
          owner.live--;
          await this.closeContext(owner, context);
          return;
        }
        this.warm.push({ owner, context, page, createdAt: this.clock.now() });
      } catch (error) {
        owner.live--;
        this.log.warn({ err: error }, 'could not warm a context');
        return;
      }
    }
  }

  stats(): PoolStats {
    const alive = [...this.all].filter((b) => !b.dead);
    const pids = alive.map((b) => b.pid).filter((p): p is number => p !== null);
    return {
      browsers: alive.length,
      ...this.counters,
      warm: this.warm.length,
      live: alive.reduce((n, b) => n + b.live, 0),
      rssBytes: pids.reduce((sum, pid) => sum + treeRssBytes(pid), 0),
      pids,
    };
  }

  /** Closes every context and browser, each bounded by closeTimeoutMs, then kills what is left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    const warm = this.warm;
    this.warm = [];
    await Promise.all(warm.map((w) => this.closeContext(w.owner, w.context)));
    const launching = this.slots.filter((s): s is Promise<PooledBrowser> => s !== null);
    await Promise.allSettled(launching);
    await Promise.all([...this.all].map((b) => this.retire(b, 'pool closed')));
    await Promise.all([...this.closing]);
  }

  // -------------------------------------------------------------------------------------------

  private takeWarm(): WarmContext | undefined {
    this.expireWarm();
    const index = this.warm.findIndex((w) => !w.owner.dead && !w.owner.draining);
    if (index < 0) return undefined;
    const [taken] = this.warm.splice(index, 1);
    if (taken) taken.owner.live--; // lease() counts it again
    return taken;
  }

  private expireWarm(): void {
    const now = this.clock.now();
    const keep: WarmContext[] = [];
    for (const w of this.warm) {
      if (!w.owner.dead && !w.owner.draining && now - w.createdAt < this.opts.warmTtlMs) keep.push(w);
      else void this.closeContext(w.owner, w.context).finally(() => this.afterSession(w.owner, false));
    }
    this.warm = keep;
  }

  /** The shared browser with the fewest live contexts, launching one into an empty slot first. */
  private async pickShared(): Promise<PooledBrowser> {
    const candidates: Array<{ index: number; browser: PooledBrowser | null }> = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot === null || slot === undefined) {
        candidates.push({ index: i, browser: null });
        continue;
      }
      const browser = await slot.catch(() => null);
      if (browser && !browser.dead && !browser.draining) candidates.push({ index: i, browser });
      else if (this.slots[i] === slot) {
        this.slots[i] = null;
        candidates.push({ index: i, browser: null });
      }
    }
    // A ready browser with room is preferred over launching, so a quiet node runs one Chromium.
    const ready = candidates.filter((c) => c.browser !== null).sort((a, b) => a.browser!.live - b.browser!.live);
    const best = ready[0];
    if (best && (best.browser!.live < 4 || ready.length === candidates.length)) return best.browser!;
    const empty = candidates.find((c) => c.browser === null);
    if (!empty) throw new Error('no browser slot available');
    const launching = this.launch(false);
    this.slots[empty.index] = launching;
    launching.catch(() => {
      if (this.slots[empty.index] === launching) this.slots[empty.index] = null;
    });
    return launching;
  }

  private async launch(strict: boolean): Promise<PooledBrowser> {
    const id = randomUUID();
    const marker = `--agentcron-browser=${id}`;
    let browser: Browser;
    try {
      // Loaded on first launch: playwright-core takes seconds to import on a busy machine, and a
      // node that never runs a browser template (or restarts after a crash) should not pay it.
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: this.opts.executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS, marker],
        timeout: this.opts.launchTimeoutMs,
        // Shutdown is the server's business: it closes the pool after draining attempts.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (error) {
      // A launch that timed out may have left a process behind: it carries our marker.
      const orphan = findByArgument(marker);
      if (orphan !== null) killTree(orphan);
      throw new RunFailure(`could not launch Chromium (${this.opts.executablePath}): ${(error as Error).message}`, {
        kind: 'browser.launch',
        retryable: true,
        cause: error,
      });
    }
    const pooled: PooledBrowser = {
      id,
      browser,
      pid: findByArgument(marker),
      strict,
      sessions: 0,
      live: 0,
      draining: false,
      dead: false,
      lost: new AbortController(),
    };
    this.counters.launched++;
    this.all.add(pooled);
    browser.on('disconnected', () => this.onDisconnected(pooled));
    this.log.debug({ pid: pooled.pid, strict }, 'browser launched');
    if (this.closed) await this.retire(pooled, 'pool closed while launching');
    return pooled;
  }

  private onDisconnected(pooled: PooledBrowser): void {
    if (pooled.dead) return;
    pooled.dead = true;
    this.all.delete(pooled);
    const expected = pooled.draining || this.closed;
    if (!expected) {
      this.counters.crashed++;
      this.metrics?.browserRecycled('crashed');
      this.log.warn({ pid: pooled.pid, live: pooled.live }, 'browser died; its attempts fail and a new browser replaces it');
    }
    pooled.lost.abort(new RunFailure('the browser process died during the attempt', { kind: 'browser.disconnected', retryable: true }));
    // Renderers or helpers may outlive a killed browser process; they are ours, so they go too.
    if (pooled.pid !== null) killTree(pooled.pid);
    this.warm = this.warm.filter((w) => w.owner !== pooled);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot) void slot.then((b) => b === pooled && this.slots[i] === slot && (this.slots[i] = null), () => undefined);
    }
  }

  private async newContext(owner: PooledBrowser): Promise<BrowserContext> {
    if (owner.dead) throw new RunFailure('the browser died', { kind: 'browser.disconnected', retryable: true });
    // Service workers would bypass context.route, and with it the network policy.
    return owner.browser.newContext({ acceptDownloads: true, serviceWorkers: 'block' });
  }

  private lease(owner: PooledBrowser, context: BrowserContext, page: Page | null): BrowserLease {
    owner.live++;
    let released = false;
    return {
      context,
      page,
      browserPid: owner.pid,
      lost: owner.lost.signal,
      warm: page !== null,
      release: async () => {
        if (released) return;
        released = true;
        const clean = await this.closeContext(owner, context);
        this.afterSession(owner, !clean);
      },
    };
  }

  /** Counts a finished session and decides whether its browser must go. */
  private afterSession(owner: PooledBrowser, broken: boolean): void {
    owner.live--;
    owner.sessions++;
    if (owner.dead) return;
    if (owner.strict) {
      void this.retire(owner, 'strict session ended');
      return;
    }
    if (!owner.draining) {
      const why: [RecycleReason, string] | null = broken
        ? ['context_close_timeout', 'a context did not close in time']
        : owner.sessions >= this.opts.maxSessionsPerBrowser
          ? ['max_sessions', `served ${owner.sessions} sessions`]
          : owner.pid !== null && treeRssBytes(owner.pid) > this.opts.maxRssBytes
            ? ['memory', 'above the memory bound']
            : null;
      if (why === null) return;
      owner.draining = true;
      this.counters.recycled++;
      this.metrics?.browserRecycled(why[0]);
      this.log.info({ pid: owner.pid, reason: why[1] }, 'recycling browser');
      for (let i = 0; i < this.slots.length; i++) {
        const slot = this.slots[i];
        if (slot) void slot.then((b) => b === owner && this.slots[i] === slot && (this.slots[i] = null), () => undefined);
      }
    }
    if (owner.live <= 0 || broken) void this.retire(owner, 'recycled');
  }

  /** Closes a context within the bound; false when it had to be abandoned. */
  private async closeContext(owner: PooledBrowser, context: BrowserContext): Promise<boolean> {
    if (owner.dead) return true;
    return withinBound(context.close(), this.opts.closeTimeoutMs);
  }

  /** Closes a browser within the bound, then kills its process tree (ours by construction). */
  private retire(owner: PooledBrowser, reason: string): Promise<void> {
    owner.draining = true;
    const done = (async () => {
      const clean = owner.dead || (await withinBound(owner.browser.close({ reason }), this.opts.closeTimeoutMs));
      if (!clean) this.log.warn({ pid: owner.pid }, 'browser did not close in time: killed');
      if (owner.pid !== null) killTree(owner.pid);
      this.all.delete(owner);
    })();
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
    return done;
  }

  private asFailure(owner: PooledBrowser, error: unknown, what: string): RunFailure {
    if (error instanceof RunFailure) return error;
    return new RunFailure(`${what}: ${(error as Error).message}`, {
      kind: owner.dead ? 'browser.disconnected' : 'browser.context',
      retryable: true,
      cause: error,
    });
  }
}

/** True when `work` settled within `ms`; a rejection counts as settled (the thing is gone anyway). */
async function withinBound(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
