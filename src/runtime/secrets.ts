import type { SecretBox } from '../config/secrets.js';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';
import { RunFailure } from './failure.js';

/**
 * Where an attempt's secret values come from. The encrypted store implements this too; the
 * environment source lets a single node run with secrets from its service manager.
 */
export interface SecretSource {
  /** Values for `names`; a name without a value throws a RunFailure naming it. */
  resolve(orgId: string, names: readonly string[]): Promise<Record<string, string>>;
}

/** `{{ secrets.NAME }}` reads AGENTCRON_SECRET_NAME (upper-cased, non-alphanumerics as `_`). */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  static variableFor(name: string): string {
    return `AGENTCRON_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  resolve(_orgId: string, names: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of names) {
      const value = this.env[EnvSecretSource.variableFor(name)];
      if (value === undefined || value === '') missing.push(name);
      else out[name] = value;
    }
    if (missing.length > 0) {
      return Promise.reject(
        new RunFailure(`secret(s) not set: ${missing.map((n) => `${n} (${EnvSecretSource.variableFor(n)})`).join(', ')}`, {
          kind: 'config',
          retryable: false,
        }),
      );
    }
    return Promise.resolve(out);
  }
}

/**
 * Secrets stored encrypted in the database (written through the API), decrypted with the node's
 * master key; names not stored there fall back to the environment.
 */
export class StoredSecretSource implements SecretSource {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox | null,
    private readonly fallback: SecretSource = new EnvSecretSource(),
  ) {}

  async resolve(orgId: string, names: readonly string[]): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    const rest: string[] = [];
    for (const name of names) {
      const record = this.box ? await this.store.secrets.get(orgId, name) : null;
      if (record && this.box) values[name] = this.box.decrypt(orgId, name, record.ciphertext);
      else rest.push(name);
    }
    return rest.length > 0 ? { ...values, ...(await this.fallback.resolve(orgId, rest)) } : values;
  }
}

/** The secret names a definition refers to as `{{ secrets.NAME }}`, so only those are resolved. */
export function referencedSecrets(definition: Json): string[] {
  const names = new Set<string>();
  for (const match of JSON.stringify(definition).matchAll(/\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) names.add(match[1]!);
  return [...names].sort();
}
