import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capturingCli } from './capture.js';

const NOW = Date.parse('2026-03-07T00:00:00Z');

/** Runs the CLI in-process with captured output and a fixed clock. */
const run = capturingCli(NOW);

const preview = (...args: string[]) => run('schedules', 'preview', ...args);

describe('agentcron schedules preview', () => {
  it('JSON across the New York spring-forward gap marks the shifted run', async () => {
    const r = await preview('--cron', '30 2 * * *', '--tz', 'America/New_York', '--from', '2026-03-07T00:00:00Z', '--count', '3', '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(r.out)).toEqual([
      { nominal: '2026-03-07T07:30:00Z', local: '2026-03-07T02:30:00-05:00', dst: null },
      { nominal: '2026-03-08T07:00:00Z', local: '2026-03-08T03:00:00-04:00', dst: 'shifted' },
      { nominal: '2026-03-09T06:30:00Z', local: '2026-03-09T02:30:00-04:00', dst: null },
    ]);
  });

  it('JSON across the New York fall-back with --dst-overlap twice marks the repeated run', async () => {
    const r = await preview('--cron', '30 1 * * *', '--tz', 'America/New_York', '--from', '2026-11-01', '--count', '3', '--dst-overlap', 'twice', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      { nominal: '2026-11-01T05:30:00Z', local: '2026-11-01T01:30:00-04:00', dst: null },
      { nominal: '2026-11-01T06:30:00Z', local: '2026-11-01T01:30:00-05:00', dst: 'repeated' },
      { nominal: '2026-11-02T06:30:00Z', local: '2026-11-02T01:30:00-05:00', dst: null },
    ]);
  });

  it('--dst-gap skip drops the gap day; --from without offset is local to --tz and inclusive', async () => {
    const r = await preview('--cron', '30 2 * * *', '--tz', 'America/New_York', '--from', '2026-03-07T02:30', '--count', '2', '--dst-gap', 'skip', '--json');
    expect(JSON.parse(r.out).map((o: { nominal: string }) => o.nominal)).toEqual(['2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z']);
  });

  it('prints an aligned table with offsets and DST notes', async () => {
    const r = await preview('--cron', '30 2 * * *', '--tz', 'America/New_York', '--count', '3');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'UTC                   LOCAL (America/New_York)   DST',
        '2026-03-07T07:30:00Z  2026-03-07T02:30:00-05:00',
        '2026-03-08T07:00:00Z  2026-03-08T03:00:00-04:00  shifted (gap)',
        '2026-03-09T06:30:00Z  2026-03-09T02:30:00-04:00',
        '',
      ].join('\n'),
    );
    const overlap = await preview('--cron', '*/30 1 * * *', '--tz', 'America/New_York', '--from', '2026-11-01T01:00-04:00', '--count', '4');
    expect(overlap.out).toContain('2026-11-01T01:00:00-05:00  repeated (overlap)');
  });

  it('--every uses a phase, defaults to UTC and starts from now', async () => {
    const r = await preview('--every', '90m', '--phase', '15m', '--count', '2', '--json');
    expect(JSON.parse(r.out)).toEqual([
      { nominal: '2026-03-07T00:15:00Z', local: '2026-03-07T00:15:00+00:00', dst: null },
      { nominal: '2026-03-07T01:45:00Z', local: '2026-03-07T01:45:00+00:00', dst: null },
    ]);
    const kolkata = await preview('--every', '1h', '--tz', 'Asia/Kolkata', '--count', '1');
    expect(kolkata.out).toContain('2026-03-07T05:30:00+05:30');
  });

  it.each([
    [['--cron', '61 * * * *'], 'error: cron "61 * * * *": minute value 61 is out of range 0-59'],
    [['--cron', '0 0 32 * *'], 'error: cron "0 0 32 * *": day-of-month value 32 is out of range 1-31'],
    [['--cron', '* * * * *', '--tz', 'Mars/Olympus_Mons'], 'error: timezone: unknown IANA time zone "Mars/Olympus_Mons" (e.g. America/New_York, Europe/London, UTC)'],
    [['--every', '15x'], 'error: every: "15x" is not a duration; write a whole number and a unit (ms, s, m, h, d, w), e.g. 90s, 15m, 1h30m'],
    [['--every', '1h', '--phase', 'soon'], /^error: phase: "soon" is not a duration/],
    [[], 'error: one of --cron or --every (or a schedule id) is required'],
    [['--cron', '* * * * *', '--every', '1m'], 'error: --cron and --every cannot be used together'],
    [['--cron', '* * * * *', '--phase', '5m'], 'error: --phase only applies to --every'],
    [['--every', '1h', '--count', '0'], 'error: --count must be a whole number from 1 to 1000, got "0"'],
    [['--every', '1h', '--count', '1001'], 'error: --count must be a whole number from 1 to 1000, got "1001"'],
    [['--every', '1h', '--count', 'ten'], 'error: --count must be a whole number from 1 to 1000, got "ten"'],
    [['--every', '1h', '--from', 'yesterday'], /^error: --from: "yesterday" is not an ISO 8601 date-time/],
    [['--every', '1h', '--dst-gap', 'later'], /^error: option '--dst-gap <policy>' argument 'later' is invalid/],
    [['--every', '1h', '--fro', '2026-01-01'], "error: unknown option '--fro' (Did you mean --from?)"],
    [['--every'], /^error: option '--every <duration>' argument missing/],
  ])('exits 2 with one line on stderr: %j', async (args, message) => {
    const r = await preview(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.endsWith('\n')).toBe(true);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    if (typeof message === 'string') expect(r.err.trimEnd()).toBe(message);
    else expect(r.err.trimEnd()).toMatch(message);
  });

  it('a command group without a command shows its help and exits 2; --help and --version exit 0', async () => {
    const group = await run('schedules');
    expect(group.code).toBe(2);
    expect(group.err).toContain('preview');
    expect((await run('schedules', 'preview', '--help')).code).toBe(0);
    const version = await run('--version');
    expect(version).toMatchObject({ code: 0, out: '0.1.0\n' });
  });
});

describe('the agentcron bin as a child process', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bin = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

  it('prints JSON and exits 0', () => {
    const r = bin('schedules', 'preview', '--cron', '30 2 * * *', '--tz', 'America/New_York', '--from', '2026-03-08', '--count', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ nominal: '2026-03-08T07:00:00Z', local: '2026-03-08T03:00:00-04:00', dst: 'shifted' }]);
  });

  it('exits 2 with the message on stderr for a bad spec and for a commander usage error', () => {
    const bad = bin('schedules', 'preview', '--cron', '0 25 * * *');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('error: cron "0 25 * * *": hour value 25 is out of range 0-23\n');
    const usage = bin('schedules', 'preview', '--bogus');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe("error: unknown option '--bogus'\n");
  });

  it('reports its version', () => {
    const r = bin('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
