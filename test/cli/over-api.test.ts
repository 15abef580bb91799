/**
 * The CLI through a running server: the API listens in-process on a random port (on SQLite and
 * on PostgreSQL), a key is made with `keys create` on the database, and every command then goes
 * through `--server`, giving the same answers as on the database.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { FakeClock } from '../../src/clock.js';
import { FileArtifactStore, saveArtifact } from '../../src/runtime/artifacts.js';
import { HttpRunner } from '../../src/runtime/http.js';
import type { Store } from '../../src/store/store.js';
import { describeContract, type Backend } from '../store/backends.js';
import { runCli } from '../../src/cli/program.js';
import { runAt } from './helpers.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');
const run = (...args: string[]) => runAt(NOW, args);

const CONFIG = `
templates:
  - id: check
    kind: http
    request: { url: "http://127.0.0.1:9/health" }
schedules:
  - id: every-10s
    template: check
    every: 10s
  - id: hourly
    template: check
    cron: "0 * * * *"
    timezone: Europe/London
    retry: { maxAttempts: 2 }
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentcron-cli-api-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The `--db` value that names this test's database (PostgreSQL: its own schema). */
const dbOf = (backend: Backend) => (backend.schema ? `${backend.target}?schema=${backend.schema}` : backend.target);

describeContract('agentcron CLI over the API', (backend) => {
  let store: Store;
  let app: FastifyInstance;
  let server: string;
  let db: string;
  let files: FileArtifactStore;

  beforeEach(async () => {
    store = await backend().open();
    db = dbOf(backend());
    files = new FileArtifactStore(join(dir, 'artifacts'));
    app = await buildApi({ store, clock: new FakeClock(NOW), runners: [new HttpRunner()], artifacts: files, rateLimit: false, validateResponses: true });
    server = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await app.close();
  });

  async function adminKey(role = 'admin'): Promise<string> {
    const created = await run('keys', 'create', '--name', `cli-${role}`, '--role', role, '--db', db);
    expect(created).toMatchObject({ code: 0, err: expect.stringContaining(`created ${role} key`) });
    return created.out.trim();
  }

  it('applies a config, lists schedules, triggers, lists and inspects runs, all through --server', async () => {
    const key = await adminKey();
    expect(key).toMatch(/^ac_[a-z0-9]{8}_/);
    const via = ['--server', server, '--api-key', key];
    const config = file('agentcron.yaml', CONFIG);

    const first = await run('apply', '-f', config, ...via);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toMatch(/create\s+template\s+check/);
    expect(first.out).toContain('3 change(s) applied');
    // Idempotent over the API: a second apply plans nothing.
    const second = await run('apply', '-f', config, ...via, '--json');
    expect(JSON.parse(second.out).plan.map((p: { action: string }) => p.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    // ... and the database agrees that nothing changed: the same file applied directly plans nothing either.
    expect((await run('apply', '-f', config, '--db', db, '--dry-run')).out).toContain('unchanged  schedule  hourly');

    // Changing the file updates through the API, and prune deletes through it.
    const changed = file('changed.yaml', CONFIG.replace('every: 10s', 'every: 20s').split('  - id: hourly')[0]!);
    const update = await run('apply', '-f', changed, ...via, '--prune');
    expect(update.out).toMatch(/update\s+schedule\s+every-10s\s+spec/);
    expect(update.out).toMatch(/delete\s+schedule\s+hourly/);
    expect((await store.schedules.get('default', 'hourly'))).toBeNull();
    expect((await store.schedules.get('default', 'every-10s'))?.spec.every).toBe('20s');
    await run('apply', '-f', config, ...via);

    // schedules ls prints the same JSON through the server as from the database.
    const overApi = JSON.parse((await run('schedules', 'ls', '--json', ...via)).out);
    const direct = JSON.parse((await run('schedules', 'ls', '--json', '--db', db)).out);
    expect(overApi.map((s: { id: string }) => s.id).sort()).toEqual(['every-10s', 'hourly']);
    expect(overApi).toEqual(direct);
    expect((await run('schedules', 'ls', ...via)).out).toMatch(/hourly\s+check\s+0 \* \* \* \*\s+Europe\/London/);
    // A stored schedule's preview, in its own zone: Europe/London springs forward on 2026-03-29.
    const preview = JSON.parse((await run('schedules', 'preview', 'hourly', '--from', '2026-03-29T00:00', '--count', '3', '--json', ...via)).out);
    expect(preview.map((o: { local: string }) => o.local)).toEqual(['2026-03-29T00:00:00+00:00', '2026-03-29T02:00:00+01:00', '2026-03-29T03:00:00+01:00']);
    expect((await run('schedules', 'preview', 'hourly', '--from', '2026-03-29T00:00', '--count', '3', '--json', '--db', db)).out).toBe(JSON.stringify(preview, null, 2) + '\n');
    expect(await run('schedules', 'preview', 'hourly', '--cron', '* * * * *', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('not both') });

    // Trigger with an idempotency key: once.
    const a = JSON.parse((await run('trigger', 'hourly', '--idempotency-key', 'deploy-7', '--json', ...via)).out);
    const b = JSON.parse((await run('trigger', 'hourly', '--idempotency-key', 'deploy-7', '--json', ...via)).out);
    expect(a).toMatchObject({ created: true, run: { scheduleId: 'hourly', status: 'queued', maxAttempts: 2 } });
    expect(b).toMatchObject({ created: false, run: { id: a.run.id } });

    const runs = JSON.parse((await run('runs', 'ls', '--json', ...via)).out);
    expect(runs.map((r: { id: string }) => r.id)).toEqual([a.run.id]);
    expect(runs[0]).toMatchObject({ trigger: 'api', status: 'queued', nominalTime: '2026-03-07T12:00:00.000Z' });
    expect((await run('runs', 'ls', ...via)).out).toContain(a.run.id);

    const shown = await run('runs', 'get', a.run.id, ...via);
    expect(shown.out).toContain(`run       ${a.run.id}`);
    expect(shown.out).toContain('status    queued  attempts 0/2');
    expect((await run('runs', 'logs', a.run.id, ...via)).out).toContain(`run ${a.run.id} has no events yet`);
    await store.events.append({ runId: a.run.id, attempt: 1, type: 'attempt.started', data: { worker: 'w1' } }, NOW + 1000);
    const logs = JSON.parse((await run('runs', 'logs', a.run.id, '--json', ...via)).out);
    expect(logs).toEqual([{ seq: expect.any(Number), attempt: 1, at: '2026-03-07T12:00:01.000Z', type: 'attempt.started', data: { worker: 'w1' } }]);

    expect((await run('runs', 'cancel', a.run.id, '--reason', 'not needed', ...via)).out).toBe(`${a.run.id} cancelled\n`);
    expect((await run('runs', 'cancel', a.run.id, ...via)).out).toBe(`${a.run.id} already cancelled; nothing to cancel\n`);
    expect((await store.runs.get('default', a.run.id))?.reason).toBe('not needed');

    // pause/resume and backfill through the server.
    expect((await run('schedules', 'pause', 'hourly', '--note', 'vendor maintenance', ...via)).out).toBe('hourly paused: vendor maintenance\n');
    expect((await store.schedules.get('default', 'hourly'))?.pauseNote).toBe('vendor maintenance');
    expect((await run('schedules', 'resume', 'hourly', ...via)).out).toBe('hourly resumed\n');
    const dry = await run('backfill', 'hourly', '--from', '2026-03-29T00:00', '--to', '2026-03-29T04:00', '--dry-run', ...via);
    expect(dry.out).toContain('3 occurrence(s) would run');
    const real = JSON.parse((await run('backfill', 'hourly', '--from', '2026-03-29T00:00Z', '--to', '2026-03-29T02:00Z', '--json', ...via)).out);
    expect(real.runs.map((r: { trigger: string }) => r.trigger)).toEqual(['backfill', 'backfill']);
    expect(JSON.parse((await run('runs', 'ls', '--json', '--schedule', 'hourly', '--status', 'queued', ...via)).out)).toHaveLength(2);
  });

  it('applies pause state, params and policies through the server, and re-applies as unchanged', async () => {
    const via = ['--server', server, '--api-key', await adminKey()];
    const paused = CONFIG.replace('    retry: { maxAttempts: 2 }\n', '    retry: { maxAttempts: 2 }\n    overlap: allow\n    catchup: { window: 5m, policy: all }\n    params: { region: eu, tags: [a, b] }\n    paused: true\n    pauseNote: waiting for the vendor\n');
    const config = file('paused.yaml', paused);
    expect((await run('apply', '-f', config, ...via)).code).toBe(0);
    expect(await store.schedules.get('default', 'hourly')).toMatchObject({ paused: true, pauseNote: 'waiting for the vendor', params: { region: 'eu', tags: ['a', 'b'] }, policies: { overlap: 'allow', catchup: { window: '5m', policy: 'all' } } });
    for (const target of [via, ['--db', db]]) {
      const again = JSON.parse((await run('apply', '-f', config, '--dry-run', '--json', ...target)).out);
      expect(again.plan.every((p: { action: string }) => p.action === 'unchanged')).toBe(true);
    }
    // Unpausing in the file resumes through the API.
    const resumed = await run('apply', '-f', file('resumed.yaml', paused.replace('    paused: true\n', '')), ...via);
    expect(resumed.out).toMatch(/update\s+schedule\s+hourly\s+paused/);
    expect((await store.schedules.get('default', 'hourly'))?.paused).toBe(false);
  });

  it('lists deliveries and redelivers a dead one, through the server as on the database', async () => {
    const via = ['--server', server, '--api-key', await adminKey()];
    await run('apply', '-f', file('agentcron.yaml', CONFIG), ...via);
    const { run: triggered } = JSON.parse((await run('trigger', 'hourly', '--json', ...via)).out);
    await store.deliveries.enqueue(
      ['hook', 'archive'].map((destinationId) => ({ id: `evt-1:${destinationId}`, orgId: 'default', eventId: 'evt-1', eventType: 'run.succeeded', destinationId, runId: triggered.id, scheduleId: 'hourly', payload: { ok: true }, nextAttemptAt: NOW })),
      NOW,
    );
    const [claimed] = await store.deliveries.claim({ limit: 1, leaseMs: 30_000, destinationId: 'hook' }, NOW);
    await store.deliveries.record({ id: claimed!.id, attempt: 1, statusCode: 410, error: 'endpoint gone', latencyMs: 12, outcome: 'dead' }, NOW);

    const dead = JSON.parse((await run('deliveries', 'ls', '--status', 'dead', '--json', ...via)).out);
    expect(dead).toEqual([expect.objectContaining({ id: 'evt-1:hook', status: 'dead', attempts: 1, lastError: 'endpoint gone', runId: triggered.id })]);
    expect((await run('deliveries', 'ls', '--status', 'dead', '--json', '--db', db)).out).toBe(JSON.stringify(dead, null, 2) + '\n');
    expect((await run('deliveries', 'ls', '--run', triggered.id, ...via)).out).toMatch(/evt-1:hook\s+run\.succeeded\s+hook\s+\S+\s+dead\s+1/);

    expect((await run('deliveries', 'redeliver', 'evt-1:hook', ...via)).out).toBe('evt-1:hook pending again, next attempt 2026-03-07T12:00:00.000Z; the relay sends it with the same id\n');
    expect((await store.deliveries.get('default', 'evt-1:hook'))?.status).toBe('pending');
    expect(await run('deliveries', 'redeliver', 'nope', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('delivery "nope" not found') });
    expect(await run('deliveries', 'ls', '--status', 'lost', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('unknown status lost') });
  });

  it('replays, exports, and shows artifacts, deliveries, destinations, health, incidents and the cache through the server as on the database', async () => {
    const via = ['--server', server, '--api-key', await adminKey()];
    const viewer = ['--server', server, '--api-key', await adminKey('viewer')];
    const direct = ['--db', db];
    /** The same command through the server and on the database prints the same. */
    const same = async (...args: string[]) => {
      const overApi = await run(...args, ...via);
      expect(overApi.code).toBe(0);
      expect((await run(...args, ...direct)).out).toBe(overApi.out);
      return overApi.out;
    };
    await run('apply', '-f', file('agentcron.yaml', CONFIG), ...via);
    const { run: triggered } = JSON.parse((await run('trigger', 'hourly', '--json', ...via)).out);

    // An attempt that recorded a trace: runs get lists it, runs replay serves it from a download.
    const trace = Buffer.from('PK\x03\x04 trace of the attempt');
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: 60_000 }, NOW);
    await saveArtifact({ store, artifacts: files }, { orgId: 'default', runId: triggered.id, attempt: 1 }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: trace }, NOW);
    const shown = JSON.parse(await same('runs', 'get', triggered.id, '--json'));
    expect(shown.artifacts).toEqual([{ attempt: 1, name: 'trace.zip', kind: 'trace', contentType: 'application/zip', size: trace.length, createdAt: '2026-03-07T12:00:00.000Z' }]);
    const downloads = () => readdirSync(tmpdir()).filter((name) => name.startsWith('agentcron-artifact-')).length;
    const before = downloads();
    // Through the server the trace is downloaded to a temp file; on the database the stored file is served.
    for (const target of [via, [...direct, '--artifacts', join(dir, 'artifacts')]]) {
      let out = '';
      let served: Buffer | null = null;
      const code = await runCli(['runs', 'replay', triggered.id, ...target], {
        stdout: (t) => void (out += t),
        stderr: () => {},
        now: () => NOW,
        untilStopped: async () => {
          const url = new URL(/: (http:\/\/\S+)\n/.exec(out)![1]!);
          served = Buffer.from(await (await fetch(`${url.origin}/files/trace.zip`)).arrayBuffer());
        },
      });
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^replay of run ${triggered.id} attempt 1: http://127\\.0\\.0\\.1:\\d+/trace/index\\.html\\?trace=`));
      expect(served!.equals(trace)).toBe(true);
      expect(downloads()).toBe(before); // a downloaded copy is removed when the replay stops
    }
    expect(await run('runs', 'replay', triggered.id, '--attempt', '2', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('attempt 2 has no trace') });

    // runs export: NDJSON on stdout, a summary line on stderr (not a terminal here).
    const exported = await run('runs', 'export', '--since', '2026-03-01T00:00Z', ...via);
    expect(exported.out.trimEnd().split('\n').map((line) => JSON.parse(line).id)).toEqual([triggered.id]);
    expect(exported.err).toBe('exported 1 run since 2026-03-01T00:00:00.000Z\n');
    expect((await run('runs', 'export', '--since', '2026-03-01T00:00Z', '--db', db)).out).toBe(exported.out);
    expect((await run('runs', 'export', '--since', '2026-04-01T00:00Z', ...via))).toMatchObject({ out: '', err: 'exported 0 runs since 2026-04-01T00:00:00.000Z\n' });
    expect(await run('runs', 'export', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('--since') });
    // On a terminal: a counting line while the runs stream to a file, then the summary; nothing between runs printed on the terminal.
    for (const stdoutIsTTY of [false, true]) {
      let err = '';
      const code = await runCli(['runs', 'export', '--since', '2026-03-01T00:00Z', ...via], { stdout: () => {}, stderr: (t) => void (err += t), now: () => NOW, stderrIsTTY: true, stdoutIsTTY });
      expect(code).toBe(0);
      if (stdoutIsTTY) expect(err).toBe('exported 1 run since 2026-03-01T00:00:00.000Z\n');
      else {
        const frames = err.split('\r\x1b[2K');
        expect(frames[0]).toBe('');
        expect(frames[1]).toBe('exporting runs 0');
        expect(frames.at(-1)).toBe('exported 1 run since 2026-03-01T00:00:00.000Z\n');
        expect(frames.slice(2, -1).every((f) => f === 'exporting runs 1')).toBe(true);
      }
    }

    // Deliveries: get with its attempt log, and a range redelivery.
    await store.deliveries.enqueue([{ id: 'evt-1:hook', orgId: 'default', eventId: 'evt-1', eventType: 'run.failed', destinationId: 'hook', runId: triggered.id, scheduleId: 'hourly', payload: { ok: false }, nextAttemptAt: NOW }], NOW);
    const [claimed] = await store.deliveries.claim({ limit: 1, leaseMs: 30_000 }, NOW);
    await store.deliveries.record({ id: claimed!.id, attempt: 1, statusCode: 410, error: 'endpoint gone', latencyMs: 12, outcome: 'dead' }, NOW);
    const detail = JSON.parse(await same('deliveries', 'get', 'evt-1:hook', '--json'));
    expect(detail).toMatchObject({ id: 'evt-1:hook', status: 'dead', attemptLog: [{ number: 1, statusCode: 410, error: 'endpoint gone', latencyMs: 12 }] });
    expect((await run('deliveries', 'get', 'evt-1:hook', ...via)).out).toMatch(/ATTEMPT\s+AT \(UTC\)\s+STATUS\s+LATENCY\s+ERROR\n1\s+2026-03-07T12:00:00.000Z\s+410\s+12ms\s+endpoint gone/);
    expect(await run('deliveries', 'get', 'nope', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('delivery "nope" not found') });
    expect(await run('deliveries', 'redeliver', '--from', '2026-03-07T00:00Z', '--to', '2026-03-08T00:00Z', ...viewer)).toMatchObject({ code: 2, err: expect.stringContaining('403') });
    const range = JSON.parse((await run('deliveries', 'redeliver', '--from', '2026-03-07T00:00Z', '--to', '2026-03-08T00:00Z', '--json', ...via)).out);
    expect(range).toEqual({ count: 1, ids: ['evt-1:hook'], more: false });
    expect((await store.deliveries.get('default', 'evt-1:hook'))?.status).toBe('pending');

    // Destinations: list, and re-enable one disabled by a 410.
    await store.destinations.register('default', 'hook', 'webhook', NOW);
    await store.destinations.disable('default', 'hook', 'webhook', '410 Gone', NOW);
    expect(JSON.parse(await same('destinations', 'ls', '--json'))).toEqual([{ id: 'hook', type: 'webhook', enabled: false, disabledAt: '2026-03-07T12:00:00.000Z', disabledReason: '410 Gone' }]);
    expect(await run('destinations', 'enable', 'hook', ...viewer)).toMatchObject({ code: 2, err: expect.stringContaining('operator') });
    expect((await run('destinations', 'enable', 'hook', ...via)).out).toBe('hook enabled\n');
    expect((await run('destinations', 'enable', 'hook', ...via)).out).toBe('hook was not disabled; nothing to do\n');
    expect(await run('destinations', 'enable', 'nope', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('destination "nope" not found (known destinations: agentcron destinations ls)') });

    // Health and incidents.
    await store.health.record('hourly', false, NOW);
    await store.incidents.open({ orgId: 'default', scheduleId: 'hourly', kind: 'failure_streak', summary: 'schedule hourly: 1 failed run' }, NOW);
    const health = JSON.parse(await same('health', '--json'));
    expect(health.find((r: { scheduleId: string }) => r.scheduleId === 'hourly')).toMatchObject({ state: 'incident', consecutiveFailures: 1, openIncident: { summary: 'schedule hourly: 1 failed run' } });
    expect((await run('health', ...viewer)).out).toMatch(/hourly\s+incident\s+1 failed/);
    expect(JSON.parse(await same('incidents', 'ls', '--status', 'open', '--json'))).toEqual([expect.objectContaining({ scheduleId: 'hourly', status: 'open', kind: 'failure_streak' })]);
    expect((await run('incidents', 'ls', ...viewer)).out).toMatch(/hourly\s+open\s+2026-03-07T12:00:00.000Z\s+-\s+schedule hourly/);

    // The trajectory cache.
    await store.trajectories.put({ orgId: 'default', templateId: 'check', templateVersion: 1, paramKey: '', startUrl: 'http://shop/', actions: [{ step: 0 }] }, NOW);
    expect(JSON.parse(await same('cache', 'ls', '--json'))).toEqual([expect.objectContaining({ template: 'check', version: 1, steps: 1 })]);
    expect(await run('cache', 'invalidate', 'check', ...viewer)).toMatchObject({ code: 2, err: expect.stringContaining('403') });
    expect((await run('cache', 'invalidate', 'check', ...via)).out).toBe('removed 1 cached trajectory of check\n');
    expect((await run('cache', 'invalidate', 'check', ...via)).out).toBe('removed 0 cached trajectories of check\n');
    expect(await run('cache', 'invalidate', 'nope', ...via)).toMatchObject({ code: 2, err: expect.stringContaining('template "nope" not found') });
    expect((await run('cache', 'ls', ...via)).out).toBe('no cached trajectories\n');
  });

  it('reports what the server refuses, with exit status 2: unknown ids, bad keys, missing roles, no server', async () => {
    const admin = await adminKey();
    const viewer = await adminKey('viewer');
    await run('apply', '-f', file('agentcron.yaml', CONFIG), '--server', server, '--api-key', admin);

    expect(await run('trigger', 'nope', '--server', server, '--api-key', admin)).toMatchObject({ code: 2, err: expect.stringContaining('schedule "nope" not found') });
    expect(await run('runs', 'get', 'nope', '--server', server, '--api-key', admin)).toMatchObject({ code: 2, err: expect.stringContaining('run "nope" not found') });
    const badKey = await run('schedules', 'ls', '--server', server, '--api-key', 'ac_00000000_not-a-key');
    expect(badKey).toMatchObject({ code: 2, err: expect.stringContaining('401') });
    const forbidden = await run('schedules', 'pause', 'hourly', '--server', server, '--api-key', viewer);
    expect(forbidden).toMatchObject({ code: 2, err: expect.stringContaining('403') });
    expect(forbidden.err).toContain('operator');
    // A revoked key stops working.
    const keys = JSON.parse((await run('keys', 'ls', '--json', '--db', db)).out) as Array<{ id: string; role: string }>;
    await run('keys', 'revoke', keys.find((k) => k.role === 'viewer')!.id, '--db', db);
    expect(await run('schedules', 'ls', '--server', server, '--api-key', viewer)).toMatchObject({ code: 2, err: expect.stringContaining('401') });
    // Without a key, or with a server that is not there.
    expect(await run('schedules', 'ls', '--server', server)).toMatchObject({ code: 2, err: expect.stringContaining('--api-key') });
    const closed = await closedPort();
    const down = await run('schedules', 'ls', '--server', `http://127.0.0.1:${closed}`, '--api-key', admin);
    expect(down).toMatchObject({ code: 1, err: expect.stringContaining(`cannot reach http://127.0.0.1:${closed}: ECONNREFUSED`) });
  });
});

describeContract('agentcron apply progress', (backend) => {
  it('draws a progress bar on stderr only when stderr is a terminal, and clears it', async () => {
    const db = dbOf(backend());
    const config = file('agentcron.yaml', CONFIG);
    const quiet = await runAt(NOW, ['apply', '-f', config, '--db', db]);
    expect(quiet.err).toBe('');
    let err = '';
    const code = await runCli(['apply', '-f', file('more.yaml', CONFIG.replace(/hourly/g, 'daily')), '--db', db], { stdout: () => {}, stderr: (t) => void (err += t), now: () => NOW, stderrIsTTY: true });
    expect(code).toBe(0);
    // One change (the new schedule daily; the rest is unchanged): the bar counts changes only.
    expect(err).toContain('applying [');
    expect(err).toMatch(/1\/1 100% schedule daily/);
    expect(err.endsWith('\r\x1b[2K')).toBe(true);
  });
});

describeContract('agentcron backfill --wait', (backend) => {
  it('waits until every run of the backfill has finished, with a progress bar on a terminal, through the server and on the database', async () => {
    const store = await backend().open();
    const db = dbOf(backend());
    const app = await buildApi({ store, clock: new FakeClock(NOW), runners: [new HttpRunner()], rateLimit: false });
    const server = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const key = (await runAt(NOW, ['keys', 'create', '--name', 'w', '--role', 'admin', '--db', db])).out.trim();
      await runAt(NOW, ['apply', '-f', file('agentcron.yaml', CONFIG), '--db', db]);
      for (const via of [['--server', server, '--api-key', key], ['--db', db]]) {
        let out = '';
        let err = '';
        let polls = 0;
        // Each poll interval, "the workers" finish one more run of the backfill (oldest first).
        const sleep = async () => {
          polls++;
          const { runs } = await store.runs.list({ orgId: 'default', scheduleId: 'hourly', trigger: ['backfill'], status: ['queued'], limit: 1000 });
          const next = runs[runs.length - 1];
          if (next) await store.runs.cancel('default', next.id, 'finished by the test', NOW);
        };
        const code = await runCli(['backfill', 'hourly', '--from', '2026-03-01T00:00Z', '--to', '2026-03-01T03:00Z', '--wait', ...via], {
          stdout: (t) => void (out += t),
          stderr: (t) => void (err += t),
          now: () => NOW,
          stderrIsTTY: true,
          sleep,
        });
        expect(code).toBe(0);
        expect(polls).toBe(3);
        expect(out).toMatch(/^backfill \S+ finished: 3 cancelled\n$/);
        expect(err).toContain('] 3/3 100% 3 finished');
        expect(err.endsWith('\r\x1b[2K')).toBe(true);
      }
    } finally {
      await app.close();
    }
  });
});
