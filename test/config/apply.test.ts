import { expect, it } from 'vitest';
import { applyConfig } from '../../src/config/apply.js';
import { parseConfig } from '../../src/config/load.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { describeContract } from '../store/backends.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');
const config = parseConfig(`
templates:
  - { id: check, kind: http, request: { url: "http://127.0.0.1:9/{{ params.path }}" } }
schedules:
  - { id: a, template: check, params: { path: a }, every: 10s }
  - { id: b, template: check, params: { path: b }, cron: "0 9 * * 1-5", timezone: Asia/Kolkata }
`);
const options = { orgId: 'default', runners: [new HttpRunner()], now: NOW };

describeContract('config apply', (backend) => {
  it('two nodes applying the same file at once: one creates, the other finds nothing to change', async () => {
    const one = await backend().open();
    const two = await backend().openPeer();
    const plans = await Promise.all([applyConfig(one, config, options), applyConfig(two, config, options)]);
    const creates = plans.map((p) => p.filter((s) => s.action === 'create').length).sort();
    expect(creates).toEqual([0, 3]);
    expect((await one.templates.versions('default', 'check')).map((v) => v.version)).toEqual([1]);
    expect((await one.schedules.list('default')).map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('a changed spec moves the cursor to the new spec; a changed param keeps it', async () => {
    const store = await backend().open();
    await applyConfig(store, config, options);
    const later = NOW + 3_600_000;
    const changed = parseConfig(`
templates:
  - { id: check, kind: http, request: { url: "http://127.0.0.1:9/{{ params.path }}" } }
schedules:
  - { id: a, template: check, params: { path: a2 }, every: 10s }
  - { id: b, template: check, params: { path: b }, cron: "30 9 * * 1-5", timezone: Asia/Kolkata }
`);
    const plan = await applyConfig(store, changed, { ...options, now: later });
    expect(plan.filter((s) => s.action === 'update')).toEqual([
      { action: 'update', kind: 'schedule', id: 'a', changes: ['params'] },
      { action: 'update', kind: 'schedule', id: 'b', changes: ['spec'] },
    ]);
    expect((await store.schedules.get('default', 'a'))!.nextNominalTime).toBe(NOW);
    // Monday 2026-03-09 09:30 IST = 04:00 UTC.
    expect((await store.schedules.get('default', 'b'))!.nextNominalTime).toBe(Date.parse('2026-03-09T04:00:00Z'));
  });
});
