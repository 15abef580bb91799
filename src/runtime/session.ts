import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Download, Page, Route } from 'playwright-core';
import type { Logger } from 'pino';
import { decideRequest, isMetadataAddress, type NetworkPolicy } from '../policy/network.js';
import type { ArtifactInput } from './artifacts.js';
import type { BrowserLease, BrowserPool, Isolation } from './browser-pool.js';
import { RunFailure } from './failure.js';
import { maskSecrets } from './mask.js';
import { scrubTraceZip, secretSpellings } from './trace-scrub.js';

/** Playwright's storage state (cookies, localStorage, IndexedDB) as stored in a profile. */
export type StorageState = Exclude<Parameters<BrowserContext['setStorageState']>[0], string>;

export interface SessionOptions {
  isolation?: Isolation;
  network?: NetworkPolicy;
  /** A profile's saved state, loaded before the first page opens. */
  storageState?: StorageState | null;
  /** Values masked out of everything the session stores (trace, console, errors). */
  secrets?: readonly string[];
  log: Logger;
  /** Bound on each closing step (screenshot, trace, downloads). Default 10 s. */
  closeStepTimeoutMs?: number;
}

export interface ConsoleEntry {
  at: number;
  type: string;
  text: string;
  url?: string;
}

export interface SessionResult {
  artifacts: ArtifactInput[];
  /** Active browser time: from the context being ready to the end of close. */
  browserMs: number;
  /** The context's state after the attempt, when asked for (profiles save it after a success). */
  storageState: StorageState | null;
}

/**
 * One attempt's browser session: a fresh context from the pool with the network policy
 * applied, trace recording, console and page errors collected, downloads kept. `failed` aborts
 * with a retryable RunFailure when the renderer crashes or the browser dies, so the runner can
 * stop at once. close() always returns what could be saved, every step bounded.
 */
export class Session {
  readonly page: Page;
  readonly context: BrowserContext;
  private readonly failure = new AbortController();
  private readonly console: ConsoleEntry[] = [];
  private readonly pageErrors: ConsoleEntry[] = [];
  private readonly downloads: Array<Promise<ArtifactInput | null>> = [];
  private readonly spellings: string[];
  private readonly startedAt: number;
  private closed = false;

  private constructor(
    private readonly lease: BrowserLease,
    page: Page,
    private readonly options: SessionOptions,
    private readonly tempDir: string,
    private readonly blocked: Array<{ url: string; reason: string }>,
  ) {
    this.context = lease.context;
    this.page = page;
    this.spellings = secretSpellings(options.secrets ?? []);
    this.startedAt = performance.now();
  }

  /** Aborted (reason: RunFailure, retryable) when the page's renderer crashes or the browser dies. */
  get failed(): AbortSignal {
    return this.failure.signal;
  }

  get browserPid(): number | null {
    return this.lease.browserPid;
  }

  get warm(): boolean {
    return this.lease.warm;
  }

  static async open(pool: BrowserPool, options: SessionOptions): Promise<Session> {
    const lease = await pool.acquire({ isolation: options.isolation ?? 'shared' });
    const tempDir = await mkdtemp(join(tmpdir(), 'agentcron-session-'));
    try {
      const { context } = lease;
      const blocked: Array<{ url: string; reason: string }> = [];
      const spellings = secretSpellings(options.secrets ?? []);
      await context.route('**/*', (route) =>
        routeByPolicy(route, options.network ?? {}, (url, reason) => {
          blocked.push({ url, reason });
          options.log.warn({ url: maskSecrets(url, spellings), reason }, 'request blocked by the network policy');
        }),
      );
      if (options.storageState) await context.setStorageState(options.storageState);
      await context.tracing.start({ screenshots: true, snapshots: true, sources: false });
      const page = lease.page ?? (await context.newPage());
      const session = new Session(lease, page, options, tempDir, blocked);
      session.watch(page);
      context.on('page', (p) => session.watch(p));
      if (lease.lost.aborted) session.fail(lease.lost.reason);
      lease.lost.addEventListener('abort', session.onBrowserLost, { once: true });
      return session;
    } catch (error) {
      await lease.release();
      await rm(tempDir, { recursive: true, force: true });
      if (error instanceof RunFailure) throw error;
      throw new RunFailure(`could not open a browser session: ${(error as Error).message}`, { kind: 'browser.session', retryable: true, cause: error });
    }
  }

  /** Masks secrets in text bound for storage. */
  mask(text: string): string {
    return maskSecrets(text, this.spellings);
  }

  /**
   * Ends the session: final screenshot, downloads, trace (scrubbed of secrets), console log,
   * optional storage state; then the context goes back to the pool. Never throws.
   */
  async close(options: { saveState?: boolean } = {}): Promise<SessionResult> {
    if (this.closed) throw new Error('session already closed');
    this.closed = true;
    const bound = this.options.closeStepTimeoutMs ?? 10_000;
    const log = this.options.log;
    const artifacts: ArtifactInput[] = [];
    const usable = !this.failure.signal.aborted;
    let storageState: StorageState | null = null;

    if (options.saveState && usable) {
      storageState = await bounded(this.context.storageState({ indexedDB: true }), bound, 'saving the storage state', log);
    }
    if (usable && !this.page.isClosed()) {
      const png = await bounded(this.page.screenshot({ timeout: bound, fullPage: false }), bound, 'final screenshot', log);
      if (png) artifacts.push({ name: 'final.png', kind: 'screenshot', contentType: 'image/png', body: png });
    }
    for (const download of await bounded(Promise.all(this.downloads), bound, 'downloads', log) ?? []) {
      if (download) artifacts.push(download);
    }
    if (!this.lease.lost.aborted) {
      const path = join(this.tempDir, 'trace.zip');
      const stopped = await bounded(this.context.tracing.stop({ path }).then(() => true), bound * 2, 'stopping the trace', log);
      if (stopped) {
        const scrubbed = await bounded(readFile(path).then((zip) => scrubTraceZip(zip, this.options.secrets ?? [])), bound * 2, 'scrubbing the trace', log);
        if (scrubbed) artifacts.push({ name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: scrubbed });
      }
    }
    const consoleDoc = {
      console: this.console,
      pageErrors: this.pageErrors,
      blockedRequests: this.blocked,
      failure: this.failure.signal.aborted ? String((this.failure.signal.reason as Error).message) : null,
    };
    artifacts.push({ name: 'console.json', kind: 'console', contentType: 'application/json', body: Buffer.from(this.mask(JSON.stringify(consoleDoc, null, 2))) });

    this.lease.lost.removeEventListener('abort', this.onBrowserLost);
    await this.lease.release();
    await rm(this.tempDir, { recursive: true, force: true }).catch(() => undefined);
    return { artifacts, browserMs: Math.round(performance.now() - this.startedAt), storageState };
  }

  get consoleEntries(): readonly ConsoleEntry[] {
    return this.console;
  }

  get blockedRequests(): ReadonlyArray<{ url: string; reason: string }> {
    return this.blocked;
  }

  private watch(page: Page): void {
    page.on('console', (message) => {
      this.console.push({ at: Date.now(), type: message.type(), text: this.mask(message.text()), url: message.location().url || undefined });
    });
    page.on('pageerror', (error) => {
      this.pageErrors.push({ at: Date.now(), type: 'pageerror', text: this.mask(error.stack ?? error.message) });
    });
    page.on('crash', () => {
      this.fail(new RunFailure('the page crashed (renderer process gone)', { kind: 'browser.crashed', retryable: true, details: { url: this.mask(page.url()) } }));
    });
    page.on('download', (download) => this.downloads.push(this.keepDownload(download)));
    // Navigations that never become requests (file: typed into the URL, chrome: pages) are not
    // seen by context.route; stop them here and fail the attempt.
    page.on('framenavigated', (frame) => {
      const decision = decideRequest(frame.url(), this.options.network ?? {});
      if (!decision.allowed && frame.url() !== 'about:blank' && !frame.url().startsWith('chrome-error:')) {
        this.blocked.push({ url: frame.url(), reason: decision.reason });
        this.fail(new RunFailure(`navigation to ${this.mask(frame.url())} blocked: ${decision.reason}`, { kind: 'network.blocked', retryable: false }));
        void page.goto('about:blank').catch(() => undefined);
      }
    });
  }

  private async keepDownload(download: Download): Promise<ArtifactInput | null> {
    const path = join(this.tempDir, `download-${this.downloads.length}`);
    try {
      await download.saveAs(path);
      const name = `download-${download.suggestedFilename() || 'file'}`;
      return { name, kind: 'download', contentType: 'application/octet-stream', body: await readFile(path) };
    } catch (error) {
      this.options.log.warn({ err: error }, 'download could not be kept');
      return null;
    }
  }

  /** The browser's `lost` signal outlives sessions: this listener is removed on close. */
  private readonly onBrowserLost = (): void => this.fail(this.lease.lost.reason);

  private fail(reason: unknown): void {
    if (!this.failure.signal.aborted) this.failure.abort(reason);
  }
}

/** Allows or aborts one request; host names are also resolved so a name pointing at a metadata address is caught. */
async function routeByPolicy(route: Route, policy: NetworkPolicy, onBlocked: (url: string, reason: string) => void): Promise<void> {
  const url = route.request().url();
  let decision = decideRequest(url, policy);
  if (decision.allowed) {
    const host = hostOf(url);
    if (host && isIP(host.replace(/^\[|\]$/g, '')) === 0 && host !== 'localhost') {
      const addresses = await lookup(host, { all: true }).catch(() => []);
      const bad = addresses.find((a) => isMetadataAddress(a.address));
      if (bad) decision = { allowed: false, reason: `${host} resolves to ${bad.address}, a link-local / cloud-metadata address` };
    }
  }
  if (decision.allowed) {
    await route.fallback().catch(() => undefined);
  } else {
    onBlocked(url, decision.reason);
    await route.abort('blockedbyclient').catch(() => undefined);
  }
}

function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:' ? u.hostname : null;
  } catch {
    return null;
  }
}

/** The value of `work` if it settles within `ms`, else null (logged); never throws. */
async function bounded<T>(work: Promise<T>, ms: number, what: string, log: Logger): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      log.warn({ step: what, ms }, 'session close step timed out');
      resolve(null);
    }, ms);
  });
  try {
    return await Promise.race([
      work.catch((error: unknown) => {
        log.warn({ err: error, step: what }, 'session close step failed');
        return null;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
