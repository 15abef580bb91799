/**
 * `npm run bench -- dashboard [--schedules N] [--runs N] [--samples N] [--backend sqlite|postgres|all]`
 * — dashboard page views at scale (docs/dashboard.md). Seeds the same history as the stats
 * benchmark (bench/stats.ts: 1,000 schedules × 1,000 runs by default), logs in once, then times
 * whole page renders through Fastify (`inject`: routing, session check, queries, HTML) against a
 * baseline measured in the same run: one indexed `runs.list` page of 50 runs.
 */
import { createApiKey } from '../src/api/keys.js';
import { buildApi } from '../src/api/server.js';
import { FakeClock } from '../src/clock.js';
import { fmtRatio, machineInfo, percentile, postgresBackend, sqliteBackend, table, type Backend } from './harness.js';
import { fmtMs2, ORG, parseOptions, scheduleId, time, withSeededHistory, type Options } from './stats.js';

async function benchBackend(backend: Backend, opts: Options): Promise<void> {
  await withSeededHistory(backend, opts, async (_db, store, now) => {
    // A failing streak on every 7th schedule, so the overview has failing rows to sort first and describe.
    for (let k = 0; k < opts.schedules; k += 7) await store.health.record(scheduleId(k), false, now);
    const { key } = await createApiKey(store, { orgId: ORG, name: 'bench', role: 'viewer' }, now);
    const app = await buildApi({ store, clock: new FakeClock(now), runners: [], rateLimit: false });
    await app.ready();
    const login = await app.inject({ method: 'POST', url: '/dashboard/login', payload: `key=${key}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const view = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    };
    const sampleRun = (await store.runs.list({ orgId: ORG, scheduleId: scheduleId(1), limit: 1 })).runs[0]!;
    const pages = Math.floor(opts.schedules / 50);
    const baseline = await time('runs.list: one schedule, newest 50 runs (baseline)', opts.samples, (i) => store.runs.list({ orgId: ORG, scheduleId: scheduleId(i % opts.schedules), limit: 50 }));
    const timings = [
      await time('overview, a page of 50 (failing first of all)', opts.samples, (i) => view(`/dashboard/?page=${(i % pages) + 1}`)),
      await time('overview, failing filter', opts.samples, () => view('/dashboard/?filter=failing')),
      await time('schedule page, 24 h window', opts.samples, (i) => view(`/dashboard/schedules/${scheduleId(i % opts.schedules)}`)),
      await time('schedule page, 30 d window (500-run chart)', opts.samples, (i) => view(`/dashboard/schedules/${scheduleId(i % opts.schedules)}?window=30d`)),
      await time('run page', opts.samples, () => view(`/dashboard/runs/${sampleRun.id}`)),
    ];
    const b50 = percentile(baseline.samples, 50);
    const rows = [baseline, ...timings].map((t) => [t.label, fmtMs2(percentile(t.samples, 50)), fmtMs2(percentile(t.samples, 95)), fmtRatio(percentile(t.samples, 50) / b50)]);
    console.log(`\n  ${opts.samples} samples each, ${backend.name}:`);
    console.log(table(['page view', 'p50', 'p95', 'p50 ÷ baseline'], rows).replace(/^/gm, '  '));
    await app.close();
  });
}

export async function dashboardBench(args: string[]): Promise<void> {
  const opts = parseOptions(args, '30');
  console.log(`# agentcron dashboard benchmark — ${new Date().toISOString()}`);
  for (const line of machineInfo()) console.log(line);
  console.log(`command: npm run bench -- dashboard ${args.join(' ')}`.trimEnd());
  for (const name of opts.backends) await benchBackend(name === 'sqlite' ? sqliteBackend() : postgresBackend(opts.pgUrl), opts);
}
