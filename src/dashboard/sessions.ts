/**
 * Dashboard sessions, stateless and shared by every node on the same database. The cookie is a
 * signed claim (HMAC-SHA256): a session id, the API key's id and hash (never the key), the
 * session's CSRF token and when it was issued. Any node verifies it with the signing secret kept
 * once in the store's `meta` table, so a restart or a load balancer sending the next request to
 * another node keeps people logged in. Each request still looks the key up (a revoked key ends
 * its sessions at once), and a logout is recorded in `meta` until the session would have
 * expired, so a copied cookie does not outlive it.
 *
 * Expiry is absolute (12 h from login), not sliding: no Set-Cookie on every page, and a leaked
 * cookie is good for a bounded time whatever its holder does; the cost is a paste every 12 h.
 *
 * The same secret signs the replay links of the trace viewer (ArtifactTokens), so a link made by
 * one node opens on another.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { MetaRepo } from '../store/store.js';
import type { ApiKey } from '../store/types.js';

export const SESSION_COOKIE = 'agentcron_session';
/** A session ends this long after login, used or not. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** The `meta` key of the shared signing secret; deleting the row (and restarting) logs everyone out. */
export const SIGNING_SECRET_META_KEY = 'dashboard.signingSecret';
/** `meta` keys of logged-out sessions: the session id after the prefix, its expiry as the value. */
const LOGGED_OUT_PREFIX = 'dashboard.loggedOut.';
const SECRET_BYTES = 32;

/** The shared signing secret: made by the first node to ask, read by every other (race-free). */
export async function sharedSigningSecret(meta: Pick<MetaRepo, 'setIfAbsent'>, now: number): Promise<Buffer> {
  const stored = await meta.setIfAbsent(SIGNING_SECRET_META_KEY, randomBytes(SECRET_BYTES).toString('base64url'), now);
  const secret = typeof stored === 'string' ? Buffer.from(stored, 'base64url') : Buffer.alloc(0);
  if (secret.length < SECRET_BYTES) {
    throw new Error(`meta key ${SIGNING_SECRET_META_KEY} does not hold a base64url secret of ${SECRET_BYTES} bytes or more; delete that row and restart to make a new one (everyone is logged out)`);
  }
  return secret;
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `<base64url JSON>.<base64url HMAC-SHA256 of it>` tokens, safe in URLs and cookies. */
class Signer {
  private readonly key: Buffer;

  constructor(secret: Buffer, purpose: string) {
    // One key per purpose: a replay token can never pass as a session cookie, or the reverse.
    this.key = createHmac('sha256', secret).update(`agentcron ${purpose}`).digest();
  }

  sign(claims: object): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of an untampered token, or null. */
  open(token: string): Record<string, unknown> | null {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || !sameToken(mac, this.mac(body))) return null;
    try {
      const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

export interface DashboardSession {
  id: string;
  keyId: string;
  keyHash: string;
  /** Sent back with every form; a POST without it is refused. */
  csrf: string;
  issuedAt: number;
}

export class DashboardSessions {
  private readonly signer: Signer;

  constructor(
    secret: Buffer,
    private readonly meta: Pick<MetaRepo, 'get' | 'set' | 'list' | 'delete'>,
    private readonly clock: Clock,
    readonly ttlMs = SESSION_TTL_MS,
  ) {
    this.signer = new Signer(secret, 'dashboard session');
  }

  /** A new session for a key that just logged in, and the cookie value that carries it. */
  issue(apiKey: Pick<ApiKey, 'id' | 'hash'>): { session: DashboardSession; cookie: string } {
    const session: DashboardSession = { id: randomBytes(16).toString('base64url'), keyId: apiKey.id, keyHash: apiKey.hash, csrf: randomBytes(24).toString('base64url'), issuedAt: this.clock.now() };
    return { session, cookie: this.signer.sign({ sid: session.id, kid: session.keyId, kh: session.keyHash, csrf: session.csrf, iat: session.issuedAt }) };
  }

  /** The session a cookie carries, or null when it is missing, tampered with, expired or logged out. */
  async read(cookie: string | undefined): Promise<DashboardSession | null> {
    const claims = cookie ? this.signer.open(cookie) : null;
    if (!claims) return null;
    const { sid, kid, kh, csrf, iat } = claims;
    if (typeof sid !== 'string' || typeof kid !== 'string' || typeof kh !== 'string' || typeof csrf !== 'string' || typeof iat !== 'number') return null;
    if (this.clock.now() >= iat + this.ttlMs) return null;
    if ((await this.meta.get(LOGGED_OUT_PREFIX + sid)) !== undefined) return null;
    return { id: sid, keyId: kid, keyHash: kh, csrf, issuedAt: iat };
  }

  /** Logs a session out on every node; records of sessions past their expiry are dropped here. */
  async end(session: DashboardSession): Promise<void> {
    const now = this.clock.now();
    await this.meta.set(LOGGED_OUT_PREFIX + session.id, session.issuedAt + this.ttlMs, now);
    for (const { key, value } of await this.meta.list(LOGGED_OUT_PREFIX)) {
      if (typeof value !== 'number' || value <= now) await this.meta.delete(key);
    }
  }
}

/** What a replay token grants: one artifact of one attempt, until `exp`. */
export interface ArtifactGrant {
  orgId: string;
  runId: string;
  attempt: number;
  name: string;
  exp: number;
}

/**
 * Short-lived signed URLs for artifact bytes. The trace viewer fetches the trace itself (from a
 * service worker), so the URL must work on its own; it names one artifact and expires.
 */
export class ArtifactTokens {
  private readonly signer: Signer;

  constructor(
    secret: Buffer,
    private readonly clock: Clock,
    readonly ttlMs = 60 * 60 * 1000,
  ) {
    this.signer = new Signer(secret, 'replay link');
  }

  sign(grant: Omit<ArtifactGrant, 'exp'>): string {
    return this.signer.sign({ ...grant, exp: this.clock.now() + this.ttlMs });
  }

  /** The grant, or a reason it is refused. */
  verify(token: string): ArtifactGrant | { refused: string } {
    const grant = this.signer.open(token) as Partial<ArtifactGrant> | null;
    if (!grant || typeof grant.orgId !== 'string' || typeof grant.runId !== 'string' || typeof grant.attempt !== 'number' || typeof grant.name !== 'string' || typeof grant.exp !== 'number') {
      return { refused: 'the replay link is not valid' };
    }
    if (grant.exp <= this.clock.now()) return { refused: 'the replay link expired; open the replay again from the run page' };
    return grant as ArtifactGrant;
  }
}
