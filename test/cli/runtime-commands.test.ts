import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturingCli, useScratchDb } from './capture.js';
import { FileArtifactStore, saveArtifact } from '../../src/runtime/artifacts.js';
import { openStore } from '../../src/store/open.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');

const scratch = useScratchDb('agentcron-cli-runtime-');

const run = capturingCli(NOW);

const STEPS = `
templates:
  - id: dash
    kind: steps
    profile: shop
    network: { deny: [ads.example.com] }
    steps:
      - goto: "https://shop.example.com"
schedules:
  - id: dash-every-minute
    template: dash
    every: 1m
`;

describe('runtime commands', () => {
  it('apply validates steps templates with their browser options, and names a bad one by path and value', async () => {
    const good = join(scratch.dir, 'good.yaml');
    writeFileSync(good, STEPS);
    expect((await run('apply', '-f', good, '--db', scratch.db)).code).toBe(0);
    const bad = join(scratch.dir, 'bad.yaml');
    writeFileSync(bad, STEPS.replace('profile: shop', 'isolation: total'));
    const result = await run('apply', '-f', bad, '--db', scratch.db);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/isolation.*"total"/);
  });

  it('runs get shows browser time and artifacts; trigger takes a profile; replay explains a run without a trace', async () => {
    const file = join(scratch.dir, 'a.yaml');
    writeFileSync(file, STEPS);
    await run('apply', '-f', file, '--db', scratch.db);
    const triggered = await run('trigger', 'dash-every-minute', '--profile', 'other', '--json', '--db', scratch.db);
    expect(triggered.code).toBe(0);
    const runId = (JSON.parse(triggered.out) as { run: { id: string; profile: string } }).run.id;
    expect((JSON.parse(triggered.out) as { run: { profile: string } }).run.profile).toBe('other');
    expect((await run('trigger', 'dash-every-minute', '--profile', '../x', '--db', scratch.db)).code).toBe(2);

    const noTrace = await run('runs', 'replay', runId, '--db', scratch.db, '--artifacts', join(scratch.dir, 'artifacts'));
    expect(noTrace.code).toBe(2);
    expect(noTrace.err).toContain('has no trace');

    const store = await openStore(scratch.db);
    try {
      const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: 60_000 }, NOW);
      expect(claimed?.run.id).toBe(runId);
      await store.runs.addBrowserTime(runId, 1, 1234);
      const files = new FileArtifactStore(join(scratch.dir, 'artifacts'));
      await saveArtifact({ store, artifacts: files }, { orgId: 'default', runId, attempt: 1 }, { name: 'final.png', kind: 'screenshot', contentType: 'image/png', body: Buffer.from('png') }, NOW);
    } finally {
      await store.close();
    }
    const json = JSON.parse((await run('runs', 'get', runId, '--json', '--db', scratch.db)).out) as {
      run: { browserMs: number };
      attempts: Array<{ browserMs: number }>;
      artifacts: Array<{ name: string; kind: string; size: number }>;
    };
    expect(json.run.browserMs).toBe(1234);
    expect(json.attempts[0]?.browserMs).toBe(1234);
    expect(json.artifacts).toEqual([expect.objectContaining({ name: 'final.png', kind: 'screenshot', size: 3 })]);
    const text = (await run('runs', 'get', runId, '--db', scratch.db)).out;
    expect(text).toContain('browser   1234 ms');
    expect(text).toContain('final.png');
  });
});
