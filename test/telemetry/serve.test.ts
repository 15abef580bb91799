/**
 * A real `agentcron serve` process with metrics and `--otlp`: /metrics on its API listener shows
 * the runs and deliveries it made, and a graceful stop flushes its spans to the receiver.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, killAllChildren, logTail, ServeProcess, waitFor } from '../crash/harness.js';
import { secret } from '../delivery/fixtures.js';
import type { Receiver } from '../delivery/receiver.js';
import { Target } from '../engine/harness.js';
import { otlpReceiver, receivedSpans } from './otlp.js';
import { parsePrometheus, type Exposition } from './prometheus.js';

describe('serve with metrics and traces', () => {
  let dir: string;
  let target: Target;
  let otlp: Receiver;
  let hook: Receiver;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-telemetry-serve-'));
    target = new Target();
    otlp = await otlpReceiver();
    hook = await otlpReceiver();
  });
  afterEach(async () => {
    await killAllChildren();
    await target.stop();
    await otlp.stop();
    await hook.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics without a key, exports spans over OTLP, and logs their trace ids', { timeout: 180_000 }, async () => {
    const site = await target.start();
    const db = join(dir, 'agentcron.db');
    const logFile = join(dir, 'serve.log');
    const config = join(dir, 'agentcron.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        templates: [{ id: 'ping', kind: 'http', request: { url: '{{ params.url }}' } }],
        destinations: [{ id: 'hook', type: 'webhook', url: `${hook.url}/events`, secret: secret(5) }],
        schedules: [{ id: 'ping', template: 'ping', params: { url: `${site}/ok` }, every: '1s', destinations: ['hook'] }],
      }),
    );
    const listen = `127.0.0.1:${await freePort()}`;
    const server = new ServeProcess({ db, config, logFile, listen, extraArgs: ['--otlp', otlp.url] });
    await server.ready;
    let metrics: Exposition | null = null;
    const scrape = async () => {
      const response = await fetch(`http://${listen}/metrics`);
      expect(response.status).toBe(200);
      metrics = parsePrometheus(await response.text());
      return metrics;
    };
    await waitFor(
      'a run and its delivery to show in /metrics',
      async () => {
        const m = await scrape();
        return m.find('agentcron_runs_finished_total', { status: 'succeeded', trigger: 'schedule' }).some((s) => s.value >= 1) &&
          m.find('agentcron_deliveries_total', { outcome: 'delivered', destination_type: 'webhook' }).some((s) => s.value >= 1);
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logTail(logFile)}`);
    });
    expect(metrics!.value('agentcron_run_start_lateness_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metrics!.value('agentcron_scheduler_ticks_total')).toBeGreaterThanOrEqual(1);
    expect(metrics!.value('agentcron_browsers')).toBe(0); // no browser template: Chromium never started

    const stopped = await server.terminate();
    expect(stopped).toMatchObject({ code: 0, forced: false });
    // Shutdown flushed the batch: the first run's whole trace is there.
    const spans = receivedSpans(otlp);
    expect(spans.every((s) => s.resource['service.name'] === 'agentcron')).toBe(true);
    const attempt = spans.find((s) => s.name === 'agentcron.attempt' && s.attributes.status === 'succeeded')!;
    const runSpan = spans.find((s) => s.spanId === attempt.parentSpanId)!;
    expect(runSpan).toMatchObject({ name: 'agentcron.run', attributes: { 'run.id': attempt.attributes['run.id'], 'schedule.id': 'ping' } });
    expect(spans.some((s) => s.name === 'agentcron.delivery' && s.parentSpanId === runSpan.spanId)).toBe(true);
    const logged = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((l) => l.msg === 'attempt started' && l.runId === attempt.attributes['run.id'])).toMatchObject({ trace_id: attempt.traceId, span_id: attempt.spanId });

    // --metrics off: the same listener, no /metrics.
    const quiet = new ServeProcess({ db, config, logFile, listen, extraArgs: ['--metrics', 'off'] });
    await quiet.ready;
    expect((await fetch(`http://${listen}/metrics`)).status).toBe(404);
    expect((await fetch(`http://${listen}/healthz`)).status).toBe(200);
    await quiet.terminate();
  });
});
