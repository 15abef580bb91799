/**
 * Dashboard sessions: a random id in an HttpOnly, SameSite=Strict cookie, mapped in this node's
 * memory to the API key that logged in. The key itself is never kept: only its hash, so each
 * request looks the key up again (a revoked key ends its sessions at once). Sessions do not
 * survive a restart and are not shared between nodes: people log in again, which costs a paste.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Role } from '../store/types.js';

export const SESSION_COOKIE = 'agentcron_session';
/** A session unused for this long is gone. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** Bound on live sessions per node, so a login loop cannot grow memory without end. */
const MAX_SESSIONS = 10_000;

export interface DashboardSession {
  id: string;
  keyId: string;
  keyHash: string;
  keyName: string;
  orgId: string;
  role: Role;
  /** Sent back with every form; a POST without it is refused. */
  csrf: string;
  lastSeenAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, DashboardSession>();

  constructor(
    private readonly clock: Clock,
    private readonly idleMs = SESSION_IDLE_MS,
  ) {}

  create(input: Omit<DashboardSession, 'id' | 'csrf' | 'lastSeenAt'>): DashboardSession {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) {
      // Map iteration is insertion order: the oldest session makes room.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: DashboardSession = { ...input, id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url'), lastSeenAt: this.clock.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for a cookie value (its idle time restarts), or null. */
  get(id: string | undefined): DashboardSession | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    const now = this.clock.now();
    if (now - session.lastSeenAt >= this.idleMs) {
      this.sessions.delete(id);
      return null;
    }
    session.lastSeenAt = now;
    return session;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, s] of this.sessions) if (now - s.lastSeenAt >= this.idleMs) this.sessions.delete(id);
  }
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
  private readonly secret = randomBytes(32);

  constructor(
    private readonly clock: Clock,
    readonly ttlMs = 60 * 60 * 1000,
  ) {}

  sign(grant: Omit<ArtifactGrant, 'exp'>): string {
    const body = Buffer.from(JSON.stringify({ ...grant, exp: this.clock.now() + this.ttlMs })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The grant, or a reason it is refused. */
  verify(token: string): ArtifactGrant | { refused: string } {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || !sameToken(mac, this.mac(body))) return { refused: 'the replay link is not valid' };
    let grant: ArtifactGrant;
    try {
      grant = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ArtifactGrant;
    } catch {
      return { refused: 'the replay link is not valid' };
    }
    if (grant.exp <= this.clock.now()) return { refused: 'the replay link expired; open the replay again from the run page' };
    return grant;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
