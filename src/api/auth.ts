/** Bearer API keys: who is calling, for which organisation, with which role. */
import { limitsFor } from '../policy/limits.js';
import type { ApiContext } from './context.js';
import { hashApiKey, looksLikeApiKey } from './keys.js';
import { problem } from './problem.js';
import type { Caller } from './router.js';
import type { ApiKey } from '../store/types.js';

/** `last_used_at` is written at most this often per key, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 60_000;

function unauthorized(detail: string) {
  return problem(401, 'unauthorized', 'Unauthorized', detail);
}

export async function authenticate(ctx: ApiContext, header: string | undefined): Promise<Caller> {
  if (!header) throw unauthorized('send an API key as Authorization: Bearer ac_…');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('the Authorization header must be "Bearer <API key>"');
  return (await authenticateKey(ctx, match[1]!)).caller;
}

/** Checks a key as the API does (the dashboard's login form too); a 401 problem names what is wrong. */
export async function authenticateKey(ctx: ApiContext, key: string): Promise<{ caller: Caller; apiKey: ApiKey }> {
  if (!looksLikeApiKey(key)) throw unauthorized('that is not an agentcron API key (ac_<prefix>_<secret>)');
  return authenticateHash(ctx, hashApiKey(key));
}

/** The caller for a stored key hash: unknown, revoked or orphaned keys are refused each time. */
export async function authenticateHash(ctx: ApiContext, hash: string): Promise<{ caller: Caller; apiKey: ApiKey }> {
  const apiKey = await ctx.store.apiKeys.findByHash(hash);
  if (!apiKey) throw unauthorized('unknown API key');
  if (apiKey.revokedAt !== null) throw unauthorized(`API key ${apiKey.prefix}… was revoked`);
  const org = await ctx.store.orgs.get(apiKey.orgId);
  if (!org) throw unauthorized('the organisation of this API key no longer exists');
  try {
    limitsFor(org.tier); // an unknown tier fails here, before any limit is skipped by mistake
  } catch (error) {
    throw problem(500, 'misconfigured', 'Organisation misconfigured', (error as Error).message);
  }
  const now = ctx.clock.now();
  if (apiKey.lastUsedAt === null || now - apiKey.lastUsedAt >= TOUCH_EVERY_MS) await ctx.store.apiKeys.touch(apiKey.id, now);
  return { caller: { keyId: apiKey.id, orgId: apiKey.orgId, role: apiKey.role, tier: org.tier }, apiKey };
}
