import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { Worker } from '../../src/engine/worker.js';
import { HttpRunner } from '../../src/runtime/http.js';
import type { NewSchedule, Store } from '../../src/store/store.js';
import type { Json } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;

/** A local HTTP target whose answers the test scripts; it records every request. */
export class Target {
  requests: Array<{ method: string; url: string; body: string }> = [];
  private server: Server;
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, price: 42 }));
  };

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', body });
        this.handler(req, res, body);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers with these statuses in turn, then 200. */
  script(statuses: number[]): void {
    const queue = [...statuses];
    this.handler = (_req, res) => {
      const status = queue.shift() ?? 200;
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: status < 400, price: 42 }));
    };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export interface EngineHarness {
  store: Store;
  clock: FakeClock;
  scheduler: Scheduler;
  worker: Worker;
}

export function engineFor(store: Store, clock: FakeClock, options: { slots?: number; leaseMs?: number; workerId?: string } = {}): EngineHarness {
  const logger = silentLogger();
  return {
    store,
    clock,
    scheduler: new Scheduler({ store, clock, logger }),
    worker: new Worker({
      store,
      clock,
      logger,
      runners: [new HttpRunner()],
      workerId: options.workerId ?? 'w1',
      slots: options.slots ?? 4,
      leaseMs: options.leaseMs ?? 30 * SEC,
      random: () => 0.5,
    }),
  };
}

/** Org `o1` and an http template `check` that GETs `{{ params.url }}`. */
export async function seedHttp(store: Store, definition: Json = { request: { url: '{{ params.url }}' } }): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.templates.put({ orgId: 'o1', templateId: 'check', kind: 'http', definition }, T0);
}

export function schedule(id: string, over: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    orgId: 'o1',
    templateId: 'check',
    params: { url: 'http://127.0.0.1:9/unused' },
    spec: { every: '10s' },
    nextNominalTime: T0 + 10 * SEC,
    ...over,
  };
}

export async function allRuns(store: Store, scheduleId?: string) {
  const out = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.runs.list({ orgId: 'o1', ...(scheduleId ? { scheduleId } : {}), limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.runs);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out.sort((a, b) => a.nominalTime - b.nominalTime);
}

/**
 * Waits (in real time, bounded) until real I/O has reached a point, e.g. the target received a
 * request, so the fake clock is only moved once the code under test is parked on it.
 */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A fresh local Target for each test of the enclosing describe; read `.target` and `.url` inside tests. */
export function useTarget(): { target: Target; url: string } {
  const local = { target: new Target(), url: '' };
  beforeEach(async () => {
    local.target = new Target();
    local.url = await local.target.start();
  });
  afterEach(async () => local.target.stop());
  return local;
}
