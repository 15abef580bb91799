import { expect, it } from 'vitest';
import { capturingCli, useScratchDb } from './capture.js';
import { DEFAULT_ORG } from '../../src/cli/store-option.js';
import { openStore } from '../../src/store/open.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');
const scratch = useScratchDb();

const run = capturingCli(NOW);

it('agentcron cache ls lists trajectories (per template) and cache invalidate drops a template\'s', async () => {
  const store = await openStore(scratch.db);
  if (!(await store.orgs.get(DEFAULT_ORG))) await store.orgs.create({ id: DEFAULT_ORG, name: 'default' }, NOW);
  const action = { step: 0, tool: 'click', urlPattern: 'http://shop/', args: {}, expectUrlPattern: 'http://shop/products', reason: 'go' };
  await store.trajectories.put({ orgId: DEFAULT_ORG, templateId: 'shop', templateVersion: 2, paramKey: 'product', startUrl: 'http://shop/', actions: [action, action] }, NOW);
  await store.trajectories.put({ orgId: DEFAULT_ORG, templateId: 'news', templateVersion: 1, paramKey: '', startUrl: 'http://news/', actions: [action] }, NOW);
  await store.trajectories.recordHit(DEFAULT_ORG, 'shop', 2, 'product', NOW + 1000);
  await store.close();

  const all = await run('cache', 'ls', '--db', scratch.db);
  expect(all.code).toBe(0);
  expect(all.out).toMatch(/TEMPLATE\s+VERSION\s+PARAMS\s+STEPS\s+HITS/);
  expect(all.out).toMatch(/shop\s+2\s+product\s+2\s+1\s+0/);
  expect(all.out).toMatch(/news\s+1\s+-\s+1\s+0/);

  const one = await run('cache', 'ls', '--template', 'shop', '--json', '--db', scratch.db);
  expect(JSON.parse(one.out)).toEqual([expect.objectContaining({ template: 'shop', version: 2, steps: 2, hits: 1, lastHitAt: '2026-03-07T12:00:01.000Z' })]);

  const dropped = await run('cache', 'invalidate', 'shop', '--db', scratch.db);
  expect(dropped).toMatchObject({ code: 0, out: 'removed 1 cached trajectory of shop\n' });
  expect((await run('cache', 'ls', '--template', 'shop', '--db', scratch.db)).out).toBe('no cached trajectories\n');
  expect((await run('cache', 'ls', '--db', scratch.db)).out).toContain('news');
  expect((await run('cache', 'invalidate', '--db', scratch.db)).code).toBe(2);
});
