/**
 * API keys: `ac_<prefix>_<secret>`, stored as a SHA-256 hash and shown once.
 *
 * Why SHA-256 and not a password hash (scrypt, argon2): the secret part is 32 random bytes
 * (256 bits) made here, never chosen by a person, so there is no dictionary to try and a slow
 * hash would add nothing against brute force; a fast hash keeps authentication one indexed
 * lookup per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { ApiKey, Instant, Role } from '../store/types.js';

const KEY_PATTERN = /^ac_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key and what the store keeps of it. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 8);
  const key = `ac_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: `ac_${prefix}`, hash: hashApiKey(key) };
}

/** Whether text has the shape of a key (cheap check before a database lookup). */
export function looksLikeApiKey(text: string): boolean {
  return KEY_PATTERN.test(text);
}

/**
 * Creates a key for an organisation and returns it with the only copy of the key itself.
 * The organisation must exist (see `ensureOrg` for the bootstrap path).
 */
export async function createApiKey(
  store: Store,
  input: { orgId: string; name: string; role: Role },
  now: Instant,
): Promise<{ apiKey: ApiKey; key: string }> {
  const { key, prefix, hash } = generateApiKey();
  const apiKey = await store.apiKeys.create({ orgId: input.orgId, name: input.name, role: input.role, prefix, hash }, now);
  return { apiKey, key };
}

/** Roles in increasing power: each one may do what the ones before it may. */
export const ROLE_ORDER: readonly Role[] = ['viewer', 'operator', 'admin'];

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLE_ORDER.indexOf(held) >= ROLE_ORDER.indexOf(needed);
}
