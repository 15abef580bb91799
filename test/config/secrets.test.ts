import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMasterKey, requireSecretBox, SecretBox, SecretDecryptError, secretBoxFromEnv, SecretKeyError } from '../../src/config/secrets.js';

describe('SecretBox', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh nonce per value', () => {
    const box = new SecretBox(key);
    const a = box.encrypt('acme', 'TOKEN', 'hello');
    const b = box.encrypt('acme', 'TOKEN', 'hello');
    expect(a).not.toBe(b);
    expect(a.split('.')).toHaveLength(5);
    expect(Buffer.from(a.split('.')[2]!, 'base64url')).toHaveLength(12);
    expect(box.decrypt('acme', 'TOKEN', a)).toBe('hello');
    expect(box.decrypt('acme', 'TOKEN', box.encrypt('acme', 'TOKEN', ''))).toBe('');
  });

  it('binds a value to its organisation and name (associated data) and detects tampering', () => {
    const box = new SecretBox(key);
    const sealed = box.encrypt('acme', 'TOKEN', 'hello');
    expect(() => box.decrypt('globex', 'TOKEN', sealed)).toThrow(SecretDecryptError);
    expect(() => box.decrypt('acme', 'OTHER', sealed)).toThrow(/altered or belongs to another organisation or name/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.decrypt('acme', 'TOKEN', parts.join('.'))).toThrow(SecretDecryptError);
    expect(() => box.decrypt('acme', 'TOKEN', `v9.${parts.slice(1).join('.')}`)).toThrow(/unknown ciphertext format/);
  });

  it('rotates: values sealed with a previous key still open; new ones use the current key', () => {
    const old = new SecretBox(key);
    const sealed = old.encrypt('acme', 'TOKEN', 'before rotation');
    const next = randomBytes(32);
    const rotated = new SecretBox(next, [key]);
    expect(rotated.decrypt('acme', 'TOKEN', sealed)).toBe('before rotation');
    expect(rotated.needsRotation(sealed)).toBe(true);
    expect(rotated.needsRotation(rotated.encrypt('acme', 'TOKEN', 'x'))).toBe(false);
    expect(() => new SecretBox(next).decrypt('acme', 'TOKEN', sealed)).toThrow(/neither AGENTCRON_MASTER_KEY nor listed in AGENTCRON_MASTER_KEY_PREVIOUS/);
  });
});

describe('master key from the environment', () => {
  const key = randomBytes(32);

  it('accepts hex and base64, from the variable or a file, with previous keys', () => {
    const hexBox = secretBoxFromEnv({ AGENTCRON_MASTER_KEY: key.toString('hex') })!;
    const b64Box = secretBoxFromEnv({ AGENTCRON_MASTER_KEY: key.toString('base64') })!;
    expect(b64Box.decrypt('o', 'n', hexBox.encrypt('o', 'n', 'same key'))).toBe('same key');
    const dir = mkdtempSync(join(tmpdir(), 'agentcron-key-'));
    try {
      const file = join(dir, 'master.key');
      writeFileSync(file, `${key.toString('base64')}\n`);
      const fileBox = secretBoxFromEnv({ AGENTCRON_MASTER_KEY_FILE: file })!;
      expect(fileBox.decrypt('o', 'n', hexBox.encrypt('o', 'n', 'x'))).toBe('x');
      expect(() => secretBoxFromEnv({ AGENTCRON_MASTER_KEY_FILE: join(dir, 'missing') })).toThrow(/AGENTCRON_MASTER_KEY_FILE: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const newer = randomBytes(32);
    const rotated = secretBoxFromEnv({ AGENTCRON_MASTER_KEY: newer.toString('hex'), AGENTCRON_MASTER_KEY_PREVIOUS: ` ${key.toString('hex')} ` })!;
    expect(rotated.decrypt('o', 'n', hexBox.encrypt('o', 'n', 'old'))).toBe('old');
  });

  it('says clearly what is missing or wrong', () => {
    expect(secretBoxFromEnv({})).toBeNull();
    expect(() => requireSecretBox({})).toThrow(/set AGENTCRON_MASTER_KEY \(make one with: openssl rand -base64 32\)/);
    expect(() => parseMasterKey('abc', 'AGENTCRON_MASTER_KEY')).toThrow(SecretKeyError);
    expect(() => parseMasterKey(randomBytes(16).toString('hex'), 'AGENTCRON_MASTER_KEY')).toThrow(/32 bytes written as 64 hex digits or base64 .*; got 32 characters/);
    expect(() => secretBoxFromEnv({ AGENTCRON_MASTER_KEY: key.toString('hex'), AGENTCRON_MASTER_KEY_FILE: '/x' })).toThrow(/not both/);
    expect(() => secretBoxFromEnv({ AGENTCRON_MASTER_KEY: key.toString('hex'), AGENTCRON_MASTER_KEY_PREVIOUS: 'nope' })).toThrow(/AGENTCRON_MASTER_KEY_PREVIOUS\[0\]/);
  });
});
