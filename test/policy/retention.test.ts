import { describe, expect, it } from 'vitest';
import { serveRetention } from '../../src/cli/serve.js';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_RETENTION, describeRetention, parseRetentionPeriod, resolveRetention, retentionCutoffs } from '../../src/policy/retention.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('retention periods', () => {
  it('parses durations of at least an hour, and off', () => {
    expect(parseRetentionPeriod('90d', 'x')).toBe(90 * DAY);
    expect(parseRetentionPeriod('1h', 'x')).toBe(HOUR);
    expect(parseRetentionPeriod('off', 'x')).toBeNull();
    expect(() => parseRetentionPeriod('30m', '--retention-runs')).toThrow('--retention-runs: "30m" is shorter than the minimum retention of 1h');
    expect(() => parseRetentionPeriod('30', '--retention-runs')).toThrow(/--retention-runs: "30" has no unit/);
    expect(() => parseRetentionPeriod('never', 'retention.runs')).toThrow(/retention\.runs: "never" is not a duration/);
  });

  it('defaults keep runs forever and artifacts and delivery logs 30 days', () => {
    expect(DEFAULT_RETENTION).toEqual({ runs: null, artifacts: 30 * DAY, deliveries: 30 * DAY });
    expect(describeRetention(DEFAULT_RETENTION)).toBe('runs off, artifacts 30d, deliveries 30d');
  });

  it('the first layer that sets a kind wins; errors name the layer and the kind', () => {
    const periods = resolveRetention([
      { prefix: '--retention-', values: { runs: '90d', artifacts: undefined } },
      { prefix: 'retention.', values: { runs: '10d', artifacts: 'off' } },
    ]);
    expect(periods).toEqual({ runs: 90 * DAY, artifacts: null, deliveries: 30 * DAY });
    expect(() => resolveRetention([{ prefix: 'retention.', values: { deliveries: '5m' } }])).toThrow(/^retention\.deliveries: "5m"/);
  });

  it('cutoffs are now minus the period, null when off', () => {
    expect(retentionCutoffs({ runs: DAY, artifacts: null, deliveries: HOUR }, 10 * DAY)).toEqual({ runs: 9 * DAY, artifacts: null, deliveries: 10 * DAY - HOUR });
  });
});

describe('retention settings of serve', () => {
  it('flags override agentcron.yaml, which overrides the defaults; --retention is the older name of --retention-artifacts', () => {
    const config = parseConfig('retention:\n  runs: 180d\n  deliveries: 7d\n');
    expect(serveRetention({}, config)).toEqual({ runs: 180 * DAY, artifacts: 30 * DAY, deliveries: 7 * DAY });
    expect(serveRetention({ retentionRuns: 'off', retention: '14d' }, config)).toEqual({ runs: null, artifacts: 14 * DAY, deliveries: 7 * DAY });
    expect(serveRetention({ retentionArtifacts: '14d', retention: '14d' })).toMatchObject({ artifacts: 14 * DAY });
    expect(() => serveRetention({ retentionArtifacts: '14d', retention: '7d' })).toThrow(/--retention is the older name of --retention-artifacts/);
    expect(() => serveRetention({ retentionDeliveries: '10s' })).toThrow(/^--retention-deliveries: "10s" is shorter than the minimum/);
  });

  it('agentcron.yaml rejects a bad retention with its path, and unknown kinds', () => {
    expect(() => parseConfig('retention:\n  runs: 30m\n')).toThrow(/retention\.runs: "30m" is shorter than the minimum retention of 1h/);
    expect(() => parseConfig('retention:\n  replays: 30d\n')).toThrow(/retention: .*replays/);
  });
});
