import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { capturingCli, useScratchDb } from './capture.js';
import { openStore } from '../../src/store/open.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');

const scratch = useScratchDb();

const run = capturingCli(NOW);

function config(text: string): string {
  const file = join(scratch.dir, 'agentcron.yaml');
  writeFileSync(file, text);
  return file;
}

const BASIC = `
templates:
  - id: check
    kind: http
    request: { url: "{{ params.url }}" }
schedules:
  - id: every-10s
    template: check
    params: { url: "http://127.0.0.1:9/health" }
    every: 10s
  - id: hourly
    template: check
    params: { url: "http://127.0.0.1:9/hourly" }
    cron: "0 * * * *"
    timezone: Europe/London
`;

describe('agentcron apply', () => {
  it('prints the plan, applies it, and a second apply changes nothing', async () => {
    const file = config(BASIC);
    const first = await run('apply', '-f', file, '--db', scratch.db);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/create\s+template\s+check/);
    expect(first.out).toMatch(/create\s+schedule\s+hourly/);
    expect(first.out).toContain('3 change(s) applied');
    const second = await run('apply', '-f', file, '--db', scratch.db);
    expect(second.out).toContain('0 change(s) applied');
    const store = await openStore(scratch.db);
    try {
      const s = await store.schedules.get('default', 'every-10s');
      expect(s).toMatchObject({ nextNominalTime: NOW, spec: { every: '10s' } });
    } finally {
      await store.close();
    }
  });

  it('--dry-run writes nothing; --prune deletes what the file no longer lists', async () => {
    const file = config(BASIC);
    expect((await run('apply', '-f', file, '--db', scratch.db, '--dry-run')).out).toContain('dry run: nothing written');
    expect(JSON.parse((await run('runs', 'ls', '--db', scratch.db, '--json')).out)).toEqual([]);
    await run('apply', '-f', file, '--db', scratch.db);
    const smaller = config(BASIC.split('  - id: hourly')[0]!);
    const pruned = await run('apply', '-f', smaller, '--db', scratch.db, '--prune');
    expect(pruned.out).toMatch(/delete\s+schedule\s+hourly/);
  });

  it('rejects a bad config with every problem and where it is, exit 2, nothing written', async () => {
    const bad = (every: string) => `
templates:
  - id: check
    kind: http
    request: { url: "x", method: FETCH }
schedules:
  - id: a
    template: check
    cron: "61 * * * *"
  - id: b
    template: missing
    every: ${every}
  - id: c
    template: check
    every: 10s
    timezone: Mars/Olympus
`;
    // Shape errors (the file's schema) are reported first…
    const r = await run('apply', '-f', config(bad('1.5h')), '--db', scratch.db);
    expect(r.code).toBe(2);
    expect(r.err).toContain('schedules[1].every');
    // …then everything the schema cannot see, all at once.
    const again = config(bad('10s'));
    const r2 = await run('apply', '-f', again, '--db', scratch.db);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('templates[0]');
    expect(r2.err).toContain('method');
    expect(r2.err).toMatch(/schedules\[0\]\.cron: .*minute.*61/);
    expect(r2.err).toContain('schedules[1].template: no template with id missing');
    expect(r2.err).toMatch(/schedules\[2\]\.timezone: .*Mars\/Olympus/);
    const store = await openStore(scratch.db);
    try {
      expect(await store.templates.list('default')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('expands ${env:NAME} and names a missing variable', async () => {
    const file = config(BASIC.replace('http://127.0.0.1:9/health', '${env:AGENTCRON_TEST_TARGET}/health'));
    const r = await run('apply', '-f', file, '--db', scratch.db);
    expect(r.code).toBe(2);
    expect(r.err).toContain('AGENTCRON_TEST_TARGET is not set');
  });
});

describe('agentcron trigger, backfill, runs ls', () => {
  beforeEach(async () => {
    expect((await run('apply', '-f', config(BASIC), '--db', scratch.db)).code).toBe(0);
  });

  it('trigger creates a manual run once per idempotency key; runs ls --json shows it', async () => {
    const a = JSON.parse((await run('trigger', 'hourly', '--idempotency-key', 'deploy-42', '--db', scratch.db, '--json')).out);
    const b = JSON.parse((await run('trigger', 'hourly', '--idempotency-key', 'deploy-42', '--db', scratch.db, '--json')).out);
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ created: false, run: { id: a.run.id } });
    const runs = JSON.parse((await run('runs', 'ls', '--db', scratch.db, '--json')).out);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: a.run.id,
      scheduleId: 'hourly',
      nominalTime: '2026-03-07T12:00:00.000Z',
      trigger: 'manual',
      status: 'queued',
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
    });
  });

  it('backfill --dry-run lists occurrences in the local zone; a real backfill queues them', async () => {
    const dry = await run('backfill', 'hourly', '--from', '2026-03-29T00:00', '--to', '2026-03-29T04:00', '--dry-run', '--db', scratch.db);
    expect(dry.code).toBe(0);
    // Europe/London springs forward at 01:00 local: 00:00, 02:00, 03:00 local are 00:00, 01:00, 02:00 UTC.
    expect(dry.out).toContain('3 occurrence(s) would run');
    const real = JSON.parse((await run('backfill', 'hourly', '--from', '2026-03-29T00:00Z', '--to', '2026-03-29T02:00Z', '--db', scratch.db, '--json')).out);
    expect(real.runs.map((r: { trigger: string }) => r.trigger)).toEqual(['backfill', 'backfill']);
    const ls = JSON.parse((await run('runs', 'ls', '--db', scratch.db, '--json', '--schedule', 'hourly')).out);
    expect(ls).toHaveLength(2);
  });

  it('bad input exits 2 with a message naming it', async () => {
    expect(await run('runs', 'ls', '--db', scratch.db, '--status', 'done')).toMatchObject({ code: 2, err: expect.stringContaining('unknown status done') });
    expect(await run('trigger', 'nope', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('schedule "nope" not found') });
    expect(await run('backfill', 'hourly', '--from', 'yesterday', '--to', '2026-03-29T00:00Z', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('--from') });
    expect(await run('trigger', 'hourly', '--overlap', 'sometimes', '--db', scratch.db)).toMatchObject({ code: 2 });
  });
});

describe('agentcron schedules ls, get, pause, resume', () => {
  it('pauses with a note and resumes', async () => {
    await run('apply', '-f', config(BASIC), '--db', scratch.db);
    expect((await run('schedules', 'pause', 'hourly', '--note', 'vendor maintenance', '--db', scratch.db)).out).toBe('hourly paused: vendor maintenance\n');
    const ls = await run('schedules', 'ls', '--db', scratch.db);
    expect(ls.out).toMatch(/hourly\s+check\s+0 \* \* \* \*\s+Europe\/London\s+2026-03-07T12:00:00Z\s+paused: vendor maintenance/);
    expect(JSON.parse((await run('schedules', 'get', 'hourly', '--db', scratch.db)).out)).toMatchObject({ paused: true, pauseNote: 'vendor maintenance' });
    expect((await run('schedules', 'resume', 'hourly', '--db', scratch.db)).out).toBe('hourly resumed\n');
    expect(JSON.parse((await run('schedules', 'ls', '--db', scratch.db, '--json')).out).map((s: { paused: boolean }) => s.paused)).toEqual([false, false]);
    expect(await run('schedules', 'pause', 'nope', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('"nope" not found') });
  });
});

describe('agentcron runs get, cancel', () => {
  it('shows a run with its attempts, and cancels a queued one once', async () => {
    await run('apply', '-f', config(BASIC), '--db', scratch.db);
    const { run: created } = JSON.parse((await run('trigger', 'hourly', '--db', scratch.db, '--json')).out);
    const shown = await run('runs', 'get', created.id, '--db', scratch.db);
    expect(shown.out).toContain(`run       ${created.id}`);
    expect(shown.out).toContain('status    queued  attempts 0/3');
    expect((await run('runs', 'cancel', created.id, '--reason', 'not needed', '--db', scratch.db)).out).toBe(`${created.id} cancelled\n`);
    expect((await run('runs', 'cancel', created.id, '--db', scratch.db)).out).toBe(`${created.id} already cancelled; nothing to cancel\n`);
    expect(JSON.parse((await run('runs', 'get', created.id, '--db', scratch.db, '--json')).out)).toMatchObject({ run: { status: 'cancelled', reason: 'not needed' }, attempts: [] });
    expect(await run('runs', 'get', 'nope', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('run "nope" not found') });
  });
});
