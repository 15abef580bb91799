/**
 * kill -9 of `agentcron serve` in the middle of a delivery: the receiver holds the request open,
 * the server dies, and the restarted server sends the delivery again, with the same webhook-id,
 * once the dead server's delivery lease has expired (DESIGN.md invariants 4 and 5).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/delivery/webhook.js';
import { openStore } from '../../src/store/open.js';
import { Target } from '../engine/harness.js';
import { killAllChildren, logTail, runCli, ServeProcess, waitFor } from '../crash/harness.js';
import { secret } from './fixtures.js';
import { Receiver } from './receiver.js';

const SECRET = secret(11);

describe('kill -9 of serve during a delivery', () => {
  let dir: string;
  let receiver: Receiver;
  let target: Target;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-serve-kill-'));
    receiver = new Receiver();
    await receiver.start();
    target = new Target();
  });
  afterEach(async () => {
    await killAllChildren();
    await receiver.stop();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the restarted server delivers it, with the same webhook-id', { timeout: 240_000 }, async () => {
    const site = await target.start();
    const db = join(dir, 'agentcron.db');
    const logFile = join(dir, 'serve.log');
    const config = join(dir, 'agentcron.yaml');
    // The schedule never fires on its own (a one-off far ahead): the test triggers one run once
    // the server is up, however long a loaded machine takes to start it.
    const at = '2099-01-01T00:00:00Z';
    writeFileSync(
      config,
      JSON.stringify({
        templates: [{ id: 'price', kind: 'http', request: { url: '{{ params.url }}' }, extract: { price: { json: 'price' } } }],
        destinations: [{ id: 'hook', type: 'webhook', url: `${receiver.url}/events`, secret: SECRET, timeout: '5s' }],
        schedules: [{ id: 'once', template: 'price', params: { url: `${site}/price` }, at, destinations: ['hook'] }],
      }),
    );
    const received: Array<{ id: string; body: string }> = [];
    receiver.answer = (req) => {
      const { id } = verifyWebhook(SECRET, req.headers as Record<string, string>, req.body);
      received.push({ id, body: req.body });
      // The first request is held open: the server is killed while it waits for the answer.
      return received.length === 1 ? 'hold' : { status: 200 };
    };

    const first = new ServeProcess({ db, config, logFile, extraArgs: ['--delivery-lease', '6s'] });
    await first.ready;
    await runCli(['trigger', 'once', '--db', db], logFile, 60_000);
    await waitFor('the first delivery request', async () => received.length === 1, 60_000, 50).catch((error: Error) => {
      throw new Error(`${error.message}\n${logTail(logFile)}`);
    });
    await first.kill9();

    const second = new ServeProcess({ db, config, logFile, extraArgs: ['--delivery-lease', '6s'] });
    await second.ready;
    const store = await openStore(db);
    try {
      await waitFor(
        'the delivery to be recorded as delivered',
        async () => (await store.deliveries.list({ orgId: 'default' }))[0]?.status === 'delivered',
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${logTail(logFile)}`);
      });
      const deliveries = await store.deliveries.list({ orgId: 'default' });
      expect(deliveries).toHaveLength(1);
      const [delivery] = deliveries;
      expect(received.map((r) => r.id)).toEqual([delivery!.id, delivery!.id]);
      expect(received[1]!.body).toBe(received[0]!.body);
      // The killed server never recorded its attempt: the log holds the one that got an answer.
      expect((await store.deliveries.attempts(delivery!.id)).map((a) => [a.number, a.statusCode])).toEqual([[1, 200]]);
      const runs = (await store.runs.list({ orgId: 'default', scheduleId: 'once' })).runs;
      expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    } finally {
      await store.close();
      await second.terminate();
    }
  });
});
