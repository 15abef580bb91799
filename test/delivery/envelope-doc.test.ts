import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventEnvelopeJsonSchema, EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { sampleMessage } from './fixtures.js';

const DOC = fileURLToPath(new URL('../../docs/events.schema.json', import.meta.url));

describe('docs/events.schema.json', () => {
  it('is the JSON Schema generated from EventEnvelopeSchema (AGENTCRON_UPDATE_DOCS=1 rewrites it)', () => {
    const generated = `${JSON.stringify(eventEnvelopeJsonSchema(), null, 2)}\n`;
    if (process.env.AGENTCRON_UPDATE_DOCS === '1') writeFileSync(DOC, generated);
    expect(readFileSync(DOC, 'utf8')).toBe(generated);
  });

  it('describes the envelopes the outbox builds, and rejects one without an id', () => {
    const { envelope } = sampleMessage({ type: 'run.changed', diff: [{ path: '/price', kind: 'changed', before: 1, after: 2 }] });
    expect(EventEnvelopeSchema.parse(envelope)).toEqual(envelope);
    const { id: _id, ...withoutId } = envelope;
    expect(EventEnvelopeSchema.safeParse(withoutId).success).toBe(false);
  });
});
