import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import type { Clock, FakeClock } from '../../src/clock.js';
import type { Destination, EventEnvelope } from '../../src/delivery/destination.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Store } from '../../src/store/store.js';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve' | 'acknowledge';
  dedup_key: string;
  payload?: { summary: string; source: string; severity: string; timestamp?: string; class?: string; component?: string; custom_details?: Record<string, unknown> };
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/** What PagerDuty's Events API v2 checks before it answers 202; an empty list means valid. */
export function eventProblems(body: unknown, routingKey: string): string[] {
  const problems: string[] = [];
  const e = body as Partial<PagerDutyEvent> | null;
  if (!e || typeof e !== 'object') return ['body is not a JSON object'];
  if (e.routing_key !== routingKey) problems.push(`routing_key ${JSON.stringify(e.routing_key)} is not the integration key`);
  if (!['trigger', 'resolve', 'acknowledge'].includes(String(e.event_action))) problems.push(`event_action ${JSON.stringify(e.event_action)} is invalid`);
  if (typeof e.dedup_key !== 'string' || e.dedup_key.length === 0 || e.dedup_key.length > 255) problems.push('dedup_key must be 1-255 characters');
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!p) problems.push('payload is required for trigger');
    else {
      if (typeof p.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1024) problems.push('payload.summary must be 1-1024 characters');
      if (typeof p.source !== 'string' || p.source.length === 0) problems.push('payload.source is required');
      if (!SEVERITIES.includes(String(p.severity))) problems.push(`payload.severity ${JSON.stringify(p.severity)} is invalid`);
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(p.timestamp))) problems.push('payload.timestamp is not ISO 8601');
    }
  }
  return problems;
}

/**
 * A local stand-in for events.pagerduty.com: validates every Events v2 request like PagerDuty
 * does (400 with the problems), answers 202 otherwise (or scripted statuses), and keeps the
 * accepted events so tests can check the trigger/resolve pairing.
 */
export class PagerDutyReceiver {
  readonly accepted: PagerDutyEvent[] = [];
  readonly rejected: Array<{ body: string; problems: string[] }> = [];
  requests = 0;
  private script: Array<{ status: number; headers?: Record<string, string> }> = [];
  private readonly server: Server;
  url = '';

  constructor(readonly routingKey = 'R0UT1NGKEY0000000000000000000001') {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.requests++;
        const scripted = this.script.shift();
        if (scripted) {
          res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
          return res.end(JSON.stringify({ status: 'scripted', message: `status ${scripted.status}` }));
        }
        let parsed: unknown = null;
        let problems: string[];
        if (req.method !== 'POST' || req.url !== '/v2/enqueue') problems = [`${req.method} ${req.url} is not POST /v2/enqueue`];
        else if (!String(req.headers['content-type']).startsWith('application/json')) problems = ['content-type must be application/json'];
        else {
          try {
            parsed = JSON.parse(body);
            problems = eventProblems(parsed, this.routingKey);
          } catch {
            problems = ['body is not JSON'];
          }
        }
        if (problems.length > 0) {
          this.rejected.push({ body, problems });
          res.writeHead(400, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: problems }));
        }
        const event = parsed as PagerDutyEvent;
        this.accepted.push(event);
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: event.dedup_key }));
      });
    });
  }

  /** The next requests get these answers, in order, whatever they carry. */
  respondWith(...answers: Array<{ status: number; headers?: Record<string, string> }>): void {
    this.script.push(...answers);
  }

  triggers(): PagerDutyEvent[] {
    return this.accepted.filter((e) => e.event_action === 'trigger');
  }

  resolves(): PagerDutyEvent[] {
    return this.accepted.filter((e) => e.event_action === 'resolve');
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A fresh receiver for each test of the enclosing describe. */
export function usePagerDuty(): { receiver: PagerDutyReceiver } {
  const local = { receiver: new PagerDutyReceiver() };
  beforeEach(async () => {
    local.receiver = new PagerDutyReceiver();
    await local.receiver.start();
  });
  afterEach(async () => local.receiver.stop());
  return local;
}

/**
 * Sends the pending deliveries of `destinations` once each, as the outbox relay does (the relay
 * itself lives with the destinations; this keeps the alert tests to the alert side): success
 * marks them delivered, a failure `dead` or due again per its retryability.
 */
export async function deliverPending(store: Store, destinations: readonly Destination[], clock: Clock): Promise<number> {
  let sent = 0;
  for (const destination of destinations) {
    const claimed = await store.deliveries.claim({ limit: 100, leaseMs: 60_000, destinationId: destination.id }, clock.now());
    for (const d of claimed) {
      const envelope = d.payload as unknown as EventEnvelope;
      const outcome = await destination.send(
        { deliveryId: d.id, eventId: d.eventId, eventType: d.eventType, envelope, body: JSON.stringify(envelope), attempt: d.attempts + 1 },
        new AbortController().signal,
      );
      sent++;
      await store.deliveries.record(
        {
          id: d.id,
          attempt: d.attempts + 1,
          statusCode: outcome.statusCode ?? null,
          error: outcome.ok ? null : outcome.error,
          latencyMs: 0,
          outcome: outcome.ok ? 'delivered' : outcome.retryable ? 'retry' : 'dead',
          ...(!outcome.ok && outcome.retryable ? { nextAttemptAt: clock.now() + (outcome.retryAfterMs ?? 1000) } : {}),
        },
        clock.now(),
      );
    }
  }
  return sent;
}

/**
 * Moves the fake clock to `at` and does what a serving node does there, one step after the
 * other: fire, run, monitor, run what the monitor started, deliver the outbox to `destinations`.
 */
export function servingNode(engine: Engine, store: Store, clock: FakeClock, destinations: readonly Destination[]): (at: number) => Promise<void> {
  return async (at: number) => {
    await clock.advanceTo(at);
    await engine.scheduler.tick();
    await engine.worker.poll();
    await engine.worker.idle();
    await engine.monitor.tick();
    await engine.worker.poll();
    await engine.worker.idle();
    await deliverPending(store, destinations, clock);
  };
}
