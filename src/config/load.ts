import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';

/** A config problem, with where it is (`schedules[2].cron`) and what is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Array<{ path: string; message: string }>,
  ) {
    super(`${file}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Replaces `${env:NAME}` references; a missing variable is an error, not an empty string. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, file: string): string {
  const missing: string[] = [];
  const out = text.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) missing.push(name);
    return v ?? '';
  });
  if (missing.length > 0) {
    throw new ConfigError(file, [...new Set(missing)].map((name) => ({ path: '', message: `environment variable ${name} is not set (referenced as \${env:${name}})` })));
  }
  return out;
}

export function parseConfig(text: string, file = 'agentcron.yaml', env: NodeJS.ProcessEnv = process.env): Config {
  const doc = parseDocument(expandEnv(text, env, file), { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => ({ path: '', message: e.message })));
  }
  const result = ConfigSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new ConfigError(file, zodProblems(result.error));
  const config = result.data;
  const problems: Array<{ path: string; message: string }> = [];
  duplicates(config.templates.map((t) => t.id)).forEach((id) => problems.push({ path: 'templates', message: `template id ${id} appears twice` }));
  duplicates(config.schedules.map((s) => s.id)).forEach((id) => problems.push({ path: 'schedules', message: `schedule id ${id} appears twice` }));
  duplicates(config.destinations.map((d) => d.id)).forEach((id) => problems.push({ path: 'destinations', message: `destination id ${id} appears twice` }));
  const destinationIds = new Set(config.destinations.map((d) => d.id));
  const checkDestinations = (ids: readonly string[] | undefined, path: string) =>
    ids?.forEach((id, j) => {
      if (!destinationIds.has(id)) problems.push({ path: `${path}[${j}]`, message: `no destination with id ${id} in this file (known: ${[...destinationIds].join(', ') || 'none'})` });
    });
  config.schedules.forEach((s, i) => {
    checkDestinations(s.destinations, `schedules[${i}].destinations`);
    checkDestinations(s.alerts?.destinations, `schedules[${i}].alerts.destinations`);
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}

export function zodProblems(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

function duplicates(ids: string[]): string[] {
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}
