/**
 * Secrets at rest: AES-256-GCM (node:crypto) with a random 12-byte nonce per value and the
 * organisation id and secret name as associated data, so a ciphertext copied to another row
 * does not decrypt. Stored text: `v1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url parts); the
 * key id (first 8 hex of SHA-256 of the key) says which master key sealed it, so values sealed
 * with a previous key still open after a rotation (`AGENTCRON_MASTER_KEY_PREVIOUS`).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Store } from '../store/store.js';

const FORMAT = 'v1';
const NONCE_BYTES = 12;
const KEY_BYTES = 32;

export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

/** A value that cannot be opened: wrong key, tampered, moved to another row, or an unknown format. */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** 32 bytes written as 64 hex digits or base64 (standard or url-safe). */
export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed))) {
    throw new SecretKeyError(
      `${source}: a master key is 32 bytes written as 64 hex digits or base64 (make one with: openssl rand -base64 32); got ${trimmed.length} characters`,
    );
  }
  return key;
}

function associatedData(orgId: string, name: string): Buffer {
  // Length-prefixed so ("a", "bc") and ("ab", "c") differ.
  return Buffer.from(`${orgId.length}:${orgId}:${name}`, 'utf8');
}

/** Seals and opens secret values with the current master key (and opens with previous ones). */
export class SecretBox {
  private readonly current: Buffer;
  private readonly byId = new Map<string, Buffer>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    if (current.length !== KEY_BYTES) throw new SecretKeyError(`a master key is ${KEY_BYTES} bytes, got ${current.length}`);
    this.current = current;
    for (const key of [current, ...previous]) if (!this.byId.has(keyId(key))) this.byId.set(keyId(key), key);
  }

  encrypt(orgId: string, name: string, plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, nonce);
    cipher.setAAD(associatedData(orgId, name));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [nonce, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return [FORMAT, keyId(this.current), ...parts].join('.');
  }

  decrypt(orgId: string, name: string, sealed: string): string {
    const [format, id, nonce, body, tag, ...rest] = sealed.split('.');
    if (format !== FORMAT || rest.length > 0 || id === undefined || nonce === undefined || body === undefined || tag === undefined) {
      throw new SecretDecryptError(`secret ${JSON.stringify(name)}: unknown ciphertext format (expected ${FORMAT}.<key id>.<nonce>.<data>.<tag>)`);
    }
    const key = this.byId.get(id);
    if (!key) {
      throw new SecretDecryptError(
        `secret ${JSON.stringify(name)} was sealed with master key ${id}, which is neither AGENTCRON_MASTER_KEY nor listed in AGENTCRON_MASTER_KEY_PREVIOUS`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(associatedData(orgId, name));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(`secret ${JSON.stringify(name)} does not decrypt: it was altered or belongs to another organisation or name`);
    }
  }

  /** Whether a value was sealed with an older key (re-seal it to finish a rotation). */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== keyId(this.current);
  }
}

/**
 * The box from the environment: `AGENTCRON_MASTER_KEY` (or a file named by
 * `AGENTCRON_MASTER_KEY_FILE`), and comma-separated `AGENTCRON_MASTER_KEY_PREVIOUS`.
 * Returns null when no master key is configured at all; throws SecretKeyError when one is
 * configured but unusable.
 */
export function secretBoxFromEnv(env: NodeJS.ProcessEnv = process.env): SecretBox | null {
  const inline = env.AGENTCRON_MASTER_KEY;
  const file = env.AGENTCRON_MASTER_KEY_FILE;
  if (inline && file) throw new SecretKeyError('set AGENTCRON_MASTER_KEY or AGENTCRON_MASTER_KEY_FILE, not both');
  let current: Buffer;
  if (inline) current = parseMasterKey(inline, 'AGENTCRON_MASTER_KEY');
  else if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SecretKeyError(`AGENTCRON_MASTER_KEY_FILE: cannot read ${file}: ${(error as Error).message}`);
    }
    current = parseMasterKey(text, `AGENTCRON_MASTER_KEY_FILE (${file})`);
  } else return null;
  const previous = (env.AGENTCRON_MASTER_KEY_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((text, i) => parseMasterKey(text, `AGENTCRON_MASTER_KEY_PREVIOUS[${i}]`));
  return new SecretBox(current, previous);
}

/** Like secretBoxFromEnv, but a missing key is an error that says how to make one. */
export function requireSecretBox(env: NodeJS.ProcessEnv = process.env): SecretBox {
  const box = secretBoxFromEnv(env);
  if (!box) {
    throw new SecretKeyError('secrets need a master key: set AGENTCRON_MASTER_KEY (make one with: openssl rand -base64 32) or AGENTCRON_MASTER_KEY_FILE');
  }
  return box;
}

/** Seals and stores one secret. */
export async function putSecret(store: Store, box: SecretBox, orgId: string, name: string, value: string, now: number): Promise<void> {
  await store.secrets.put({ orgId, name, ciphertext: box.encrypt(orgId, name, value) }, now);
}

/**
 * The runtime's secret source: the clear values of `names` for one organisation. A name with
 * no secret is an error naming it (a run must not start with a blank credential).
 */
export async function resolveSecrets(store: Store, box: SecretBox, orgId: string, names: readonly string[]): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of new Set(names)) {
    const record = await store.secrets.get(orgId, name);
    if (!record) missing.push(name);
    else values[name] = box.decrypt(orgId, name, record.ciphertext);
  }
  if (missing.length > 0) throw new SecretDecryptError(`no secret named ${missing.map((n) => JSON.stringify(n)).join(', ')} in organisation ${JSON.stringify(orgId)}`);
  return values;
}
