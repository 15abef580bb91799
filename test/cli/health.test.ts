import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onRunFinished } from '../../src/alerts/health.js';
import { runCli } from '../../src/cli/program.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');

/** Runs a command in-process at NOW; returns its exit status and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const printed = { out: '', err: '' };
  const code = await runCli(args, { stdout: (t) => void (printed.out += t), stderr: (t) => void (printed.err += t), now: () => NOW });
  return { code, ...printed };
}

const CONFIG = `
templates:
  - id: check
    kind: http
    request: { url: "http://127.0.0.1:9/" }
schedules:
  - id: flaky
    template: check
    every: 1m
    alerts:
      failureThreshold: 2
      destinations: [pd]
      breaker: { after: 5, cooldown: 10m }
  - id: steady
    template: check
    every: 1m
destinations:
  - id: pd
    type: pagerduty
    routingKey: R0UTINGKEY
    url: http://127.0.0.1:9
`;

/** Scheduled runs of `scheduleId` ending with these statuses, each counted into health. */
async function outcomes(store: Store, scheduleId: string, statuses: Array<'succeeded' | 'failed'>): Promise<void> {
  for (const [i, status] of statuses.entries()) {
    const at = NOW + i * 60_000;
    const run = await store.runs.create({ orgId: 'default', scheduleId, templateId: 'check', templateVersion: 1, nominalTime: at, trigger: 'schedule', availableAt: at }, at);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: 60_000, scheduleIds: [scheduleId] }, at);
    await store.transaction(async (tx) => {
      await tx.runs.completeAttempt({ runId: run.id, attempt: 1, status, ...(status === 'failed' ? { error: { message: 'x' } } : { output: null }) }, at);
      await onRunFinished(tx, (await tx.runs.get('default', run.id))!, at);
    });
  }
}

describe('agentcron health and incidents', () => {
  let dir = '';
  let db = '';
  const file = (text: string) => {
    const path = join(dir, 'agentcron.yaml');
    writeFileSync(path, text);
    return path;
  };

  // One database for the whole group: the config applied, then a history of outcomes.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-cli-health-'));
    db = join(dir, 'agentcron.db');
    expect((await cli('apply', '-f', file(CONFIG), '--db', db)).code).toBe(0);
    const store = await openStore(db);
    try {
      expect((await store.schedules.get('default', 'flaky'))?.policies.alerts).toEqual({ failureThreshold: 2, destinations: ['pd'], breaker: { after: 5, cooldown: '10m' } });
      await outcomes(store, 'flaky', ['succeeded', 'failed', 'failed', 'failed']);
      await outcomes(store, 'steady', ['succeeded']);
      await store.runs.create({ orgId: 'default', scheduleId: 'steady', templateId: 'check', templateVersion: 1, nominalTime: NOW + 60_000, trigger: 'schedule', status: 'missed', reason: 'catch-up' }, NOW);
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('health --json: a row per schedule with state, streak, last success, success rate, fires and open incident', async () => {
    const json = await cli('health', '--db', db, '--json');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      scheduleId: 'flaky',
      state: 'incident',
      consecutiveFailures: 3,
      lastSuccessAt: '2026-03-07T12:00:00.000Z',
      successRate: 0.25,
      expectedFires: 4,
      actualFires: 4,
      openIncident: { summary: 'schedule flaky: 2 consecutive failed runs (last: failed)', openedAt: '2026-03-07T12:02:00.000Z' },
    });
    expect(rows[1]).toMatchObject({ scheduleId: 'steady', state: 'ok', consecutiveSuccesses: 1, successRate: 1, expectedFires: 2, actualFires: 1, openIncident: null });
  });

  it('health prints the same as a table', async () => {
    const table = await cli('health', '--db', db);
    expect(table.out).toMatch(/^SCHEDULE\s+STATE\s+STREAK/);
    expect(table.out).toMatch(/flaky\s+incident\s+3 failed\s+2026-03-07T12:00:00.000Z\s+25.0%\s+4\/4/);
    expect(table.out).toMatch(/steady\s+ok\s+1 ok/);
  });

  it('incidents ls filters by status', async () => {
    const open = JSON.parse((await cli('incidents', 'ls', '--status', 'open', '--db', db, '--json')).out) as Array<Record<string, unknown>>;
    expect(open).toEqual([expect.objectContaining({ scheduleId: 'flaky', status: 'open', kind: 'failure_streak', resolvedAt: null })]);
    expect(JSON.parse((await cli('incidents', 'ls', '--status', 'resolved', '--db', db, '--json')).out)).toEqual([]);
    expect((await cli('incidents', 'ls', '--db', db)).out).toMatch(/flaky\s+open\s+2026-03-07T12:02:00.000Z\s+-\s+schedule flaky/);
    const bad = await cli('incidents', 'ls', '--status', 'closed', '--db', db);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/closed/);
  });

  it('rejects bad alerts config with the field path', async () => {
    const bad = CONFIG.replace('failureThreshold: 2', 'failureThreshold: 0').replace('cooldown: 10m', 'cooldown: soon');
    const r = await cli('apply', '-f', file(bad), '--db', db);
    expect(r.code).toBe(2);
    expect(r.err).toContain('schedules[0].alerts.failureThreshold');
    expect(r.err).toContain('schedules[0].alerts.breaker.cooldown');
  });
});
