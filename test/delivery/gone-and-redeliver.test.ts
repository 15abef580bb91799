import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../../src/clock.js';
import { loadConfigFile } from '../../src/config/load.js';
import { secret, T0 } from './fixtures.js';
import { deliveryNode, ORG, useDeliveryWorld } from './pipeline-harness.js';

const MIN = 60_000;
const SECRET = secret(9);

describe('410 Gone, dead letters and the CLI', () => {
  const world = useDeliveryWorld('gone');
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock(T0);
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli([...args, '--db', world.db], { stdout: (t) => void (out += t), stderr: (t) => void (err += t), now: () => clock.now() });
    return { code, out, err };
  }

  function writeConfig(site: string, scheduleDestinations = '[hook]'): string {
    const file = join(world.dir, 'agentcron.yaml');
    writeFileSync(
      file,
      `
templates:
  - id: price
    kind: http
    request: { url: "{{ params.url }}" }
    extract: { price: { json: price } }
destinations:
  - id: hook
    type: webhook
    url: ${world.receiver.url}/events
    secret: \${env:HOOK_SECRET}
schedules:
  - id: prices
    template: price
    params: { url: "${site}" }
    every: 30m
    destinations: ${scheduleDestinations}
    ignoreChanges: [/latencyMs]
`,
    );
    return file;
  }

  it('a 410 disables the endpoint and says so; enabling resumes; a dead letter is redelivered from the CLI with the same id', async () => {
    const { receiver } = world;
    const site = await world.target.start();
    const file = writeConfig(site);
    process.env.HOOK_SECRET = SECRET;
    expect((await cli('apply', '-f', file)).code).toBe(0);
    const store = await world.store();
    const node = deliveryNode(store, clock, loadConfigFile(file).destinations);
    expect((await store.schedules.get(ORG, 'prices'))?.policies).toMatchObject({ destinations: ['hook'], ignoreChanges: ['/latencyMs'] });

    receiver.answer = () => ({ status: 410, body: 'gone for good' });
    await clock.advanceTo(T0 + 30 * MIN);
    await node.step();
    const [dead] = await store.deliveries.list({ orgId: ORG });
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead!.lastError).toMatch(/410 Gone.*gone for good/);

    let ls = await cli('destinations', 'ls');
    expect(ls.out).toMatch(/hook\s+webhook\s+disabled\s+2026-03-01T12:30:00.000Z\s+410 Gone/);
    const json = JSON.parse((await cli('destinations', 'ls', '--json')).out) as Array<{ id: string; enabled: boolean; disabledReason: string }>;
    expect(json).toEqual([expect.objectContaining({ id: 'hook', enabled: false, disabledReason: expect.stringContaining('410') })]);

    // While disabled, the next run's delivery waits untried.
    receiver.answer = () => ({ status: 200 });
    await clock.advanceTo(T0 + 60 * MIN);
    await node.step();
    const waiting = (await store.deliveries.list({ orgId: ORG, status: ['pending'] }))[0]!;
    expect(waiting.attempts).toBe(0);
    expect(receiver.requests).toHaveLength(1);

    expect((await cli('destinations', 'enable', 'hook')).out).toBe('hook enabled\n');
    expect((await cli('destinations', 'enable', 'hook')).out).toBe('hook was not disabled; nothing to do\n');
    expect((await cli('destinations', 'enable', 'nope')).code).toBe(2);
    await node.step();
    expect((await store.deliveries.get(ORG, waiting.id))?.status).toBe('delivered');

    // The dead letter: listed, redelivered, sent again with its webhook-id, and its log shows both tries.
    ls = await cli('deliveries', 'ls', '--status', 'dead');
    expect(ls.out).toContain(dead!.id);
    expect(ls.out).toContain('run.succeeded');
    const redeliver = await cli('deliveries', 'redeliver', dead!.id);
    expect(redeliver.code).toBe(0);
    expect(redeliver.out).toContain('pending again');
    await node.step();
    expect((await store.deliveries.get(ORG, dead!.id))?.status).toBe('delivered');
    const sentIds = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(sentIds).toEqual([dead!.id, waiting.id, dead!.id]);
    const get = JSON.parse((await cli('deliveries', 'get', dead!.id, '--json')).out) as { status: string; attemptLog: Array<{ number: number; statusCode: number; error: string | null }> };
    expect(get.status).toBe('delivered');
    expect(get.attemptLog.map((a) => [a.number, a.statusCode])).toEqual([[1, 410], [2, 200]]);
    expect((await cli('deliveries', 'get', dead!.id)).out).toMatch(/ATTEMPT\s+AT \(UTC\)\s+STATUS\s+LATENCY\s+ERROR\n1\s+2026-03-01T12:30:00.000Z\s+410/);

    // A time range: everything delivered in the first hour goes again (a consumer that lost data).
    const range = await cli('deliveries', 'redeliver', '--from', '2026-03-01T12:00:00Z', '--to', '2026-03-01T13:30:00Z', '--status', 'delivered', '--destination', 'hook');
    expect(range.out).toMatch(/^2 deliveries pending again/);
    await node.step();
    expect(receiver.requests.map((r) => r.headers['webhook-id']).slice(3).sort()).toEqual([dead!.id, waiting.id].sort());
    expect((await cli('deliveries', 'redeliver')).err).toMatch(/give a delivery id, or both --from and --to/);
    expect((await cli('deliveries', 'ls', '--status', 'lost')).err).toMatch(/unknown status lost/);
    expect((await cli('deliveries', 'get', 'nope')).code).toBe(2);
  });

  it('a schedule naming an unknown destination is a config error with its path', async () => {
    const file = writeConfig('http://127.0.0.1:9', '[hook, nowhere]');
    process.env.HOOK_SECRET = SECRET;
    const result = await cli('apply', '-f', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain('schedules[0].destinations[1]: no destination with id nowhere in this file (known: hook)');
  });
});
