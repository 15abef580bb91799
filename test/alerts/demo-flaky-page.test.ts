import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoSite, type DemoSite } from '../../examples/demo/site.js';
import { FakeClock } from '../../src/clock.js';
import { createPagerdutyDestination } from '../../src/delivery/pagerduty.js';
import { createSlackDestination } from '../../src/delivery/slack.js';
import { Engine } from '../../src/engine/engine.js';
import { BrowserPool } from '../../src/runtime/browser-pool.js';
import { EnvSecretSource } from '../../src/runtime/secrets.js';
import { StepsRunner } from '../../src/runtime/steps-runner.js';
import { openStore } from '../../src/store/open.js';
import type { Json } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Receiver } from '../delivery/receiver.js';
import { allRuns, SEC, T0 } from '../engine/harness.js';
import { chromiumDescendants, describeBrowser, waitFor } from '../runtime/browser-harness.js';
import { PagerDutyReceiver, servingNode } from './harness.js';

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> }>;
}

const RUN_URL = 'https://agentcron.example.com/runs/{runId}';
const slackDate = (at: number) => `<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time_secs}|${new Date(at).toISOString()}>`;

/**
 * The on-call story on the demo site, in real Chromium: a steps template loads the demo's flaky
 * page every 10 s; the page goes down (three failures in a row) and comes back. The engine's
 * scheduler, worker and monitor run on a fake clock; the outbox goes to a local PagerDuty
 * receiver and a local Slack webhook.
 */
describeBrowser("alerts end to end on the demo's flaky page (real Chromium)", () => {
  const logger = silentLogger();
  const clock = new FakeClock(T0);
  let dir: string;
  let site: DemoSite;
  let pool: BrowserPool;
  const pd = new PagerDutyReceiver();
  const slack = new Receiver();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-flaky-'));
    site = await startDemoSite(0, { clock });
    pool = new BrowserPool({ logger, clock, browsers: 1, closeTimeoutMs: 3000 });
    await pd.start();
    await slack.start();
  });

  afterAll(async () => {
    await pool?.close();
    await site?.close();
    await pd.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
    await waitFor(() => chromiumDescendants().length === 0, 60_000, 'chromium processes to exit');
  }, 120_000);

  it('three failures in a row page once and post one Slack message; recovery resolves once and posts once', async () => {
    const store = await openStore(join(dir, 'db.sqlite'));
    try {
      await store.orgs.create({ id: 'o1', name: 'one' }, T0);
      const definition: Json = { steps: [{ goto: '{{ params.base }}/pages/flaky' }, { extract: { message: '#message' } }] };
      await store.templates.put({ orgId: 'o1', templateId: 'flaky-page', kind: 'steps', definition }, T0);
      await store.schedules.create(
        {
          id: 'flaky-page',
          orgId: 'o1',
          templateId: 'flaky-page',
          params: { base: site.url },
          spec: { every: '10s' },
          policies: { retry: { maxAttempts: 1 }, alerts: { destinations: ['pd', 'chat'] } },
          nextNominalTime: T0 + 10 * SEC,
        },
        T0,
      );
      const runner = new StepsRunner({ store, clock, pool: () => pool, secrets: new EnvSecretSource() });
      const engine = new Engine({ store, clock, logger, runners: [runner], pollMs: 3_600_000, workerId: 'n1' });
      const destinations = [
        createPagerdutyDestination('pd', { type: 'pagerduty', routingKey: pd.routingKey, url: pd.url }, { clock }),
        createSlackDestination('chat', { type: 'slack', url: `${slack.url}/services/T/B/x`, minIntervalMs: 0, runUrl: RUN_URL }, { clock }),
      ];
      const stepTo = servingNode(engine, store, clock, destinations);
      const messages = () => slack.requests.map((r) => JSON.parse(r.body) as SlackBody);
      const postFlaky = async (action: 'down' | 'up') => expect((await fetch(`${site.url}/pages/flaky/${action}`, { method: 'POST' })).status).toBe(200);

      await stepTo(T0 + 10 * SEC); // the page works
      await postFlaky('down');
      for (const s of [20, 30]) await stepTo(T0 + s * SEC);
      expect(pd.requests + slack.requests.length).toBe(0);
      await stepTo(T0 + 40 * SEC); // the third failure in a row
      expect(pd.triggers()).toHaveLength(1);
      expect(slack.requests).toHaveLength(1);
      await stepTo(T0 + 50 * SEC); // still the same streak: nobody is told again
      expect(pd.triggers()).toHaveLength(1);
      expect(slack.requests).toHaveLength(1);

      await postFlaky('up');
      await stepTo(T0 + 60 * SEC); // recovered
      await stepTo(T0 + 70 * SEC); // the flaky page's usual one-in-three 503: one failure pages nobody
      const runs = await allRuns(store, 'flaky-page');
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'failed', 'failed', 'failed', 'succeeded', 'failed']);

      expect(pd.rejected).toEqual([]);
      expect(pd.triggers()).toHaveLength(1);
      expect(pd.resolves()).toEqual([{ routing_key: pd.routingKey, event_action: 'resolve', dedup_key: pd.triggers()[0]!.dedup_key }]);
      expect(slack.requests).toHaveLength(2);

      const [opened, resolved] = messages();
      const [incident] = await store.incidents.list('o1');
      const third = runs[3]!;
      expect(opened!.text).toBe('Incident opened: flaky-page failed 3 times in a row');
      expect(opened!.blocks[0]!.text!.text).toBe(':rotating_light: *Incident opened* · schedule `flaky-page` failed *3* times in a row');
      expect(opened!.blocks[1]!.fields!.map((f) => f.text)).toEqual([
        '*Streak*\n3 consecutive failures',
        `*Failing since*\n${slackDate(runs[1]!.finishedAt!)}`,
        `*Last run*\n<https://agentcron.example.com/runs/${third.id}|${third.id}> (failed, 1 attempt)`,
        `*Last success*\n${slackDate(runs[0]!.finishedAt!)}`,
      ]);
      // The failing step, what the page answered and what it showed.
      expect(opened!.blocks[2]!.text!.text).toMatch(
        new RegExp(`^\\*Last error\\*\n>http-status: steps\\[0\\] goto "${site.url}/pages/flaky": the page answered HTTP 503 — .*The flaky page is down\\."$`),
      );
      expect(opened!.blocks[3]!.elements![0]!.text).toContain(`incident \`${incident!.id}\``);

      expect(resolved!.text).toBe('Resolved: flaky-page recovered; the incident lasted 20s');
      expect(resolved!.blocks[0]!.text!.text).toBe(':white_check_mark: *Incident resolved* · schedule `flaky-page` recovered');
      expect(resolved!.blocks[1]!.fields!.map((f) => f.text)).toEqual([
        `*Lasted*\n20s (opened ${slackDate(T0 + 40 * SEC)})`,
        `*Failing since*\n${slackDate(runs[1]!.finishedAt!)}`,
        `*Recovered by*\n<https://agentcron.example.com/runs/${runs[5]!.id}|${runs[5]!.id}> (succeeded, 1 attempt)`,
        '*Opened after*\n3 consecutive failures',
      ]);
      expect(incident).toMatchObject({ status: 'resolved', openedAt: T0 + 40 * SEC, resolvedAt: T0 + 60 * SEC });
    } finally {
      await store.close();
    }
  });
});
