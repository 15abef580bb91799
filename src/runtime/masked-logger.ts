import { pino, type Logger } from 'pino';
import { maskSecrets } from './mask.js';
import { secretSpellings } from './trace-scrub.js';

/**
 * A logger that masks secrets in every line before handing it to `parent` (DESIGN.md
 * invariant 8): whatever a step logs — messages, fields, errors — is masked as serialized text,
 * so no field can slip through. Without secrets it is the parent itself.
 */
export function maskedLogger(parent: Logger, secrets: readonly string[]): Logger {
  const spellings = secretSpellings(secrets);
  if (spellings.length === 0) return parent;
  const forward = {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(maskSecrets(line, spellings)) as Record<string, unknown>;
      } catch {
        return;
      }
      const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = record;
      const label = pino.levels.labels[Number(level)] ?? 'info';
      const method = parent[label as 'info'];
      if (typeof method === 'function') method.call(parent, fields, typeof msg === 'string' ? msg : '');
    },
  };
  return pino({ level: parent.level, base: null }, forward);
}
