import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileDestination } from '../../src/delivery/file.js';
import { alertEnvelope } from '../../src/alerts/events.js';
import { createSlackDestination, humanDuration, markdownToMrkdwn, renderSlackMessage, slackDestinationConfig } from '../../src/delivery/slack.js';
import { until } from '../engine/harness.js';
import { useReceiver } from './receiver.js';
import { sampleMessage, sampleRun, T0 } from './fixtures.js';

const never = new AbortController().signal;

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { type: string; text: string }; elements?: Array<{ type: string; text: string }> }>;
}

describe('slack destination', () => {
  const env = useReceiver(T0);

  it('posts an incoming-webhook message: mrkdwn sections with the event, the output and the event id', async () => {
    const { receiver, clock } = env;
    const slack = createSlackDestination('chat', { type: 'slack', url: `${receiver.url}/services/T/B/x` }, { clock });
    const message = sampleMessage({ run: { output: { price: 42, title: 'Widget <b>' } } });
    expect(await slack.send(message, never)).toEqual({ ok: true, statusCode: 200 });
    const body = JSON.parse(receiver.requests[0]!.body) as SlackBody;
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/json');
    expect(body.text).toBe('run.succeeded prices');
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'section', 'context']);
    expect(body.blocks[0]!.text).toEqual({ type: 'mrkdwn', text: '*run.succeeded* · schedule `prices` · run `run-1`' });
    expect(body.blocks[1]!.text!.text).toBe('*price*: 42\n*title*: Widget &lt;b&gt;');
    expect(body.blocks[2]!.elements![0]!.text).toContain(message.deliveryId);
  });

  it('renders a Markdown output as mrkdwn, and a change as before → after per path', async () => {
    const { receiver, clock } = env;
    const slack = createSlackDestination('chat', { type: 'slack', url: receiver.url }, { clock });
    await slack.send(sampleMessage({ run: { output: '# Prices\n- **Widget** is [cheaper](https://shop.test/w)' } }), never);
    await clock.advance(1000);
    await slack.send(sampleMessage({ type: 'run.changed', diff: [{ path: '/price', kind: 'changed', before: 10, after: 12 }] }), never);
    const [markdown, changed] = receiver.requests.map((r) => JSON.parse(r.body) as SlackBody);
    expect(markdown!.blocks[1]!.text!.text).toBe('*Prices*\n• *Widget* is <https://shop.test/w|cheaper>');
    expect(changed!.blocks[1]!.text!.text).toBe('• `/price` 10 → 12');
    expect(markdownToMrkdwn('~~old~~ __new__')).toBe('~old~ *new*');
  });

  it('sends at most one message per second per destination', async () => {
    const { receiver, clock } = env;
    const slack = createSlackDestination('chat', { type: 'slack', url: receiver.url }, { clock });
    const sends = [1, 2, 3].map(() => slack.send(sampleMessage(), never));
    await until(() => receiver.requests.length === 1);
    await clock.advance(999);
    expect(receiver.requests).toHaveLength(1);
    await clock.advance(1);
    await until(() => receiver.requests.length === 2);
    await clock.advance(1000);
    await until(() => receiver.requests.length === 3);
    expect((await Promise.all(sends)).every((o) => o.ok)).toBe(true);
  });

  it('a revoked webhook (410, or 404 no_service) disables; 429 waits for Retry-After; 400 is not retried', async () => {
    const { receiver, clock } = env;
    const slack = createSlackDestination('chat', { type: 'slack', url: receiver.url, minIntervalMs: 0 }, { clock });
    receiver.answer = () => ({ status: 404, body: 'no_service' });
    expect(await slack.send(sampleMessage(), never)).toMatchObject({ ok: false, disable: true });
    receiver.answer = () => ({ status: 429, headers: { 'retry-after': '3' }, body: 'rate_limited' });
    expect(await slack.send(sampleMessage(), never)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 3000 });
    receiver.answer = () => ({ status: 400, body: 'invalid_payload' });
    expect(await slack.send(sampleMessage(), never)).toMatchObject({ ok: false, retryable: false, error: 'HTTP 400 invalid_payload' });
  });

  it('renders pauses and outages as on-call messages, links run ids with runUrl, and says how long things lasted', () => {
    const paused = renderSlackMessage(
      alertEnvelope({ eventId: 'e1', type: 'schedule.paused', orgId: 'o1', scheduleId: 'prices', run: null, occurredAt: T0, data: { note: 'circuit breaker: paused after 5 failures', probeAt: new Date(T0 + 60_000).toISOString() } }, 'd1'),
    );
    expect(paused.text).toBe('Paused: prices');
    expect(paused.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `circuit breaker: paused after 5 failures\nA probe run at <!date^${(T0 + 60_000) / 1000}^{date_short_pretty} {time_secs}|${new Date(T0 + 60_000).toISOString()}> resumes it if it succeeds.` } });
    const outage = renderSlackMessage(
      alertEnvelope({
        eventId: 'e2', type: 'system.outage', orgId: 'o1', scheduleId: null, run: null, occurredAt: T0,
        data: { from: new Date(T0 - 3_900_000).toISOString(), to: new Date(T0).toISOString(), schedules: [{ scheduleId: 'prices', occurrences: 12, caughtUp: 1, missed: 11 }] },
      }, 'd2'),
    );
    expect(outage.text).toBe('agentcron was down for 1h 5m');
    expect(outage.blocks[1]).toMatchObject({ text: { text: '• `prices`: 12 occurrences, 1 caught up, 11 missed' } });
    const linked = renderSlackMessage(sampleMessage({ run: sampleRun({ id: 'r 1' }) }).envelope, { runUrl: 'https://ops.example/runs/{runId}' });
    expect(linked.blocks[0]).toMatchObject({ text: { text: '*run.succeeded* · schedule `prices` · run <https://ops.example/runs/r%201|r 1>' } });
    expect(slackDestinationConfig.safeParse({ type: 'slack', url: 'https://hooks.slack.com/x', runUrl: 'https://ops.example/runs' }).error?.issues[0]?.message).toBe('must contain {runId}');
    expect([999, 20_000, 65_000, 3_600_000, 90_061_000].map(humanDuration)).toEqual(['999ms', '20s', '1m 5s', '1h', '1d 1h']);
  });
});

describe('file destination', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one NDJSON line per event, exactly the body, creating the directory', async () => {
    const path = join(dir, 'nested', 'events.ndjson');
    const sink = createFileDestination('log', { type: 'file', path });
    const first = sampleMessage();
    const second = sampleMessage({ type: 'run.changed', diff: [] });
    expect((await sink.send(first, never)).ok).toBe(true);
    expect((await sink.send(second, never)).ok).toBe(true);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toEqual([first.body, second.body, '']);
    expect(lines.slice(0, 2).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([first.deliveryId, second.deliveryId]);
  });

  it('reports a path it cannot write as a retryable failure', async () => {
    writeFileSync(join(dir, 'plain'), 'a file, not a directory');
    const sink = createFileDestination('log', { type: 'file', path: join(dir, 'plain', 'x.ndjson') });
    expect(await sink.send(sampleMessage(), never)).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('cannot append') });
  });
});
