import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { runRetentionJob } from '../../src/engine/retention.js';
import { FileArtifactStore, pruneArtifacts, saveArtifact } from '../../src/runtime/artifacts.js';
import { startReplayServer } from '../../src/runtime/replay-server.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/telemetry/logger.js';

const DAY = 24 * 60 * 60 * 1000;

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('timed out');
}

describe('artifacts: filesystem store, rows, retention', () => {
  let dir: string;
  let store: Store;
  let files: FileArtifactStore;
  const clock = new FakeClock(Date.UTC(2026, 0, 1));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-artifacts-'));
    store = await openStore(join(dir, 'db.sqlite'));
    await store.orgs.create({ id: 'o1', name: 'one' }, clock.now());
    files = new FileArtifactStore(join(dir, 'artifacts'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts, gets, lists and deletes bytes by run, attempt and name; names cannot leave the root', async () => {
    const key = await files.put({ orgId: 'o1', runId: 'r1', attempt: 1, name: '../../etc/passwd' }, Buffer.from('x'));
    expect(key).toBe('o1/r1/1/__.._etc_passwd');
    await files.put({ orgId: 'o1', runId: 'r1', attempt: 2, name: 'trace.zip' }, Buffer.from('zip'));
    expect(await files.list({ orgId: 'o1', runId: 'r1' })).toEqual(['o1/r1/1/__.._etc_passwd', 'o1/r1/2/trace.zip']);
    expect(await files.list({ orgId: 'o1', runId: 'r1', attempt: 2 })).toEqual(['o1/r1/2/trace.zip']);
    expect((await files.get('o1/r1/2/trace.zip'))?.toString()).toBe('zip');
    expect(await files.get('o1/r1/9/none')).toBeNull();
    expect(() => files.localPath('../outside')).toThrow(/leaves the artifact root/);
    await files.delete('o1/r1/2/trace.zip');
    await files.delete('o1/r1/2/trace.zip');
    expect(await files.list({ orgId: 'o1', runId: 'r1' })).toEqual(['o1/r1/1/__.._etc_passwd']);
  });

  it('prunes files and rows older than the retention, on a fake clock, and leaves newer ones', async () => {
    const owner = { orgId: 'o1', runId: 'r1', attempt: 1 };
    const old = await saveArtifact({ store, artifacts: files }, owner, { name: 'old.png', kind: 'screenshot', contentType: 'image/png', body: Buffer.from('o') }, clock.now());
    await clock.advance(10 * DAY);
    const recent = await saveArtifact({ store, artifacts: files }, { ...owner, runId: 'r2' }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('t') }, clock.now());

    const stop = new AbortController();
    const passes: number[] = [];
    const job = runRetentionJob(
      { store, artifacts: files, clock, log: silentLogger() },
      { periods: { runs: null, artifacts: 30 * DAY, deliveries: null }, everyMs: DAY, onPass: (report) => passes.push(report.artifacts) },
      stop.signal,
    );
    const nextPass = async () => {
      const seen = passes.length;
      await clock.advance(DAY);
      await waitFor(() => passes.length > seen);
    };
    await waitFor(() => passes.length === 1);
    for (let day = 11; day <= 29; day++) await nextPass(); // old is 29 days old: kept
    expect(existsSync(files.localPath(old.storageKey))).toBe(true);
    expect(passes.every((n) => n === 0)).toBe(true);
    await nextPass();
    await nextPass(); // 31 days: pruned by this daily pass
    expect(passes.at(-1)).toBe(1);
    expect(existsSync(files.localPath(old.storageKey))).toBe(false);
    expect(await store.artifacts.list('o1', 'r1')).toEqual([]);
    expect(readdirSync(join(dir, 'artifacts', 'o1'))).toEqual(['r2']); // empty folders went too
    expect((await store.artifacts.list('o1', 'r2')).map((a) => a.id)).toEqual([recent.id]);
    stop.abort();
    await job;
    // A row whose file is already gone is still removed.
    rmSync(files.localPath(recent.storageKey));
    expect(await pruneArtifacts({ store, artifacts: files }, 30 * DAY, clock.now() + 30 * DAY)).toBe(1);
  });

  it('serves the bundled trace viewer and the trace zip locally', async () => {
    const key = await files.put({ orgId: 'o1', runId: 'r1', attempt: 1, name: 'trace.zip' }, Buffer.from('PK-fake'));
    const server = await startReplayServer({ traceFile: files.localPath(key) });
    try {
      const url = new URL(server.url);
      expect(url.hostname).toBe('127.0.0.1');
      const traceUrl = url.searchParams.get('trace')!;
      expect(traceUrl).toBe(`${url.origin}/files/trace.zip`);
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Playwright Trace Viewer');
      expect((await fetch(`${url.origin}/trace/sw.bundle.js`)).status).toBe(200);
      const zip = await fetch(traceUrl);
      expect(zip.headers.get('content-type')).toBe('application/zip');
      expect(await zip.text()).toBe('PK-fake');
      expect((await fetch(`${url.origin}/trace/../../package.json`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
