/**
 * examples/consumer/receiver.ts, run as its README says: a signed webhook is handled once, its
 * redelivery is acknowledged without a second write, and a bad signature is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { createWebhookDestination } from '../../src/delivery/webhook.js';
import { SqliteDb } from '../../src/store/sqlite/driver.js';
import { freePort, REPO_ROOT, waitFor } from '../crash/harness.js';
import { sampleMessage, secret } from './fixtures.js';

const SECRET = secret(4);

describe('examples/consumer/receiver.ts', () => {
  let dir: string;
  let child: ChildProcess | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-consumer-example-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('handles a run.changed once, acknowledges its redelivery, refuses a bad signature', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const db = join(dir, 'consumer.db');
    let out = '';
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'examples/consumer/receiver.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, WEBHOOK_SECRET: SECRET, CONSUMER_DB: db, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(`the example to listen (output: ${out})`, async () => out.includes('consumer listening'), 30_000, 50);

    const url = `http://127.0.0.1:${port}/agentcron`;
    const hook = createWebhookDestination('hook', { type: 'webhook', url, secret: SECRET }, { clock: new SystemClock() });
    const message = sampleMessage({ type: 'run.changed', run: { output: { price: 12 } }, diff: [] });
    const never = new AbortController().signal;
    expect(await hook.send(message, never)).toEqual({ ok: true, statusCode: 200 });
    expect(await hook.send(message, never)).toEqual({ ok: true, statusCode: 208 });
    const impostor = createWebhookDestination('hook', { type: 'webhook', url, secret: secret(5) }, { clock: new SystemClock() });
    expect(await impostor.send(sampleMessage({ type: 'run.changed', run: { id: 'run-2' } }), never)).toMatchObject({ ok: false, statusCode: 401 });

    const reader = new SqliteDb(db);
    try {
      expect(await reader.query('SELECT event_id, schedule_id, price FROM price_changes')).toEqual([{ event_id: message.deliveryId, schedule_id: 'prices', price: '12' }]);
    } finally {
      await reader.close();
    }
  });
});
