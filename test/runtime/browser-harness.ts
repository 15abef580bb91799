import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { describe } from 'vitest';
import { chromiumAvailable, chromiumExecutable } from '../../src/runtime/browser-pool.js';
import { commandLine, listProcesses, processTree } from '../../src/runtime/processes.js';
import { createLogger } from '../../src/telemetry/logger.js';

/**
 * `describe` that runs only when Chromium is installed, and says so when it is not. Browser tests
 * get a generous timeout: Chromium on a busy 2-core machine can take seconds per launch.
 */
export function describeBrowser(title: string, body: () => void): void {
  if (chromiumAvailable()) {
    describe(title, { timeout: 180_000 }, body);
  } else {
    console.warn(`[skip] ${title}: no Chromium at ${chromiumExecutable()} (set AGENTCRON_CHROMIUM)`);
    describe.skip(title, body);
  }
}

/** The service's logger (trace ids included) writing lines the test can read (secrets must not appear in them). */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination: stream }), lines };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A tiny page server: routes by path; every unknown path answers a small HTML page. */
export class PageServer {
  readonly routes = new Map<string, Handler>();
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const handler = this.routes.get(path);
      if (handler) return handler(req, res);
      res.setHeader('content-type', 'text/html');
      res.end(`<html><body><h1 id="title">page ${path}</h1></body></html>`);
    });
  }

  html(path: string, body: string, headers: Record<string, string> = {}): void {
    this.routes.set(path, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', ...headers });
      res.end(body);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Chromium processes below this test process (live or defunct). */
export function chromiumDescendants(): Array<{ pid: number; state: string }> {
  const table = listProcesses();
  return processTree(process.pid, table)
    .slice(1)
    .filter((p) => p.state === 'Z' || commandLine(p.pid).some((arg) => /chrom/i.test(arg)))
    .map((p) => ({ pid: p.pid, state: p.state }));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return listProcesses().find((p) => p.pid === pid)?.state !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
