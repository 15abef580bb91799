/**
 * The web dashboard, on the API's Fastify instance: server-rendered pages under /dashboard/, the
 * Playwright trace viewer (shipped in playwright-core) under /replay/viewer/, and trace bytes
 * at /replay/trace.zip?token=<signed token>. Login is with an API key; the session cookie is
 * HttpOnly and SameSite=Strict, and every POST carries the session's CSRF token and, when the
 * browser sends one, a same-origin Origin header. See docs/dashboard.md.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateHash, authenticateKey } from '../api/auth.js';
import { sendArtifact } from '../api/artifact-response.js';
import type { ApiContext } from '../api/context.js';
import { roleAllows } from '../api/keys.js';
import { ProblemError } from '../api/problem.js';
import type { Caller } from '../api/router.js';
import { triggerRun } from '../engine/operations.js';
import { checkConcurrentRuns, LimitExceededError } from '../policy/limits.js';
import type { ArtifactStore } from '../runtime/artifacts.js';
import { traceViewerRoot } from '../runtime/replay-server.js';
import { NotFoundError } from '../store/store.js';
import type { Artifact } from '../store/types.js';
import { html, page, type Viewer } from './html.js';
import { overviewPage } from './overview.js';
import { runPage } from './run-page.js';
import { schedulePage } from './schedule-page.js';
import { ArtifactTokens, DashboardSessions, SESSION_COOKIE, sameToken, sharedSigningSecret, type DashboardSession } from './sessions.js';
import { DASHBOARD_CSS } from './style.js';
import { DEFAULT_PRICE_PER_AGENT_MINUTE } from '../policy/cost.js';

export interface DashboardOptions {
  /** Where artifact bytes are (screenshots, traces); the API's store by default. Without one, pages list artifacts but cannot show them. */
  artifacts?: ArtifactStore | null;
  /** Dollars per agent-minute for cost figures. */
  pricePerAgentMinute?: number;
  /** Time after login at which a session ends, used or not (default 12 h). */
  sessionTtlMs?: number;
}

/** What page modules read. */
export interface DashboardContext extends ApiContext {
  artifacts: ArtifactStore | null;
  tokens: ArtifactTokens;
  pricePerAgentMinute: number;
}

/** A page's own error: rendered as HTML with its status (bad query, not found, forbidden). */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Signed {
  session: DashboardSession;
  caller: Caller;
  viewer: Viewer;
}

const LOGIN = '/dashboard/login';

/** Only local dashboard paths: a `next` pointing elsewhere would make the login an open redirect. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/dashboard\/[^/\\]?/.test(next) && !next.startsWith('//') ? next : '/dashboard/';
}

function loginPage(message: string | null, next: string): string {
  return page(
    { title: 'Log in' },
    html`<section class="login panel"><h1>Log in to agentcron</h1>
<p class="muted">Paste an API key. Keys are made with <code>agentcron keys create --name NAME --role viewer|operator|admin</code>; <code>agentcron demo</code> prints one.</p>
${message ? html`<p class="problem" role="alert" id="login-problem">${message}</p>` : ''}
<form method="post" action="${LOGIN}"><input type="hidden" name="next" value="${next}">
<label for="key">API key</label><input id="key" name="key" type="password" autocomplete="off" placeholder="ac_…" required autofocus>
<button class="primary" id="login-submit">Log in</button></form>
<p class="muted">The key itself is never stored in the browser: it keeps only a signed session cookie.</p></section>`,
  );
}

function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
    .send(body);
}

/**
 * Why a session ended, by the code the login redirect carries: the page shows only these fixed
 * texts, never words from the URL, so a crafted link cannot put its own message on this origin.
 */
const LOGOUT_REASONS = {
  'key-revoked': 'the API key of your session was revoked',
  'key-invalid': 'the API key of your session is no longer valid',
} as const;

export async function registerDashboard(app: FastifyInstance, ctx: ApiContext, options: DashboardOptions = {}): Promise<void> {
  // Shared by every node on this database, so cookies and replay links work on any of them.
  const secret = await sharedSigningSecret(ctx.store.meta, ctx.clock.now());
  const sessions = new DashboardSessions(secret, ctx.store.meta, ctx.clock, options.sessionTtlMs);
  const dash: DashboardContext = {
    ...ctx,
    artifacts: options.artifacts ?? ctx.artifacts,
    tokens: new ArtifactTokens(secret, ctx.clock),
    pricePerAgentMinute: options.pricePerAgentMinute ?? DEFAULT_PRICE_PER_AGENT_MINUTE,
  };

  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    await scope.register(fastifyFormbody);
    await scope.register(fastifyStatic, { root: traceViewerRoot(), prefix: '/replay/viewer/', decorateReply: false });

    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof PageError) return sendHtml(reply, error.status, page({ title: 'Error' }, html`<h1>${error.status === 404 ? 'Not found' : 'Cannot show this page'}</h1><p class="problem">${error.message}</p><p><a href="/dashboard/">Back to the schedules</a></p>`));
      if (error instanceof NotFoundError) return sendHtml(reply, 404, page({ title: 'Not found' }, html`<h1>Not found</h1><p>${error.message}</p><p><a href="/dashboard/">Back to the schedules</a></p>`));
      request.log.error({ err: error }, 'dashboard page failed');
      return sendHtml(reply, 500, page({ title: 'Error' }, html`<h1>Something went wrong</h1><p>The server failed to render this page; the error is in its log.</p>`));
    });

    const secureCookie = (request: FastifyRequest) => request.protocol === 'https';

    /** The signed-in caller, or a redirect to the login page (sent here; the caller returns null). */
    const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> => {
      const session = await sessions.read(request.cookies[SESSION_COOKIE]);
      const toLogin = (reason?: keyof typeof LOGOUT_REASONS) => {
        const next = request.method === 'GET' ? request.url : '/dashboard/';
        void reply.redirect(`${LOGIN}?next=${encodeURIComponent(next)}${reason ? `&reason=${encodeURIComponent(reason)}` : ''}`, 303);
        return null;
      };
      if (!session) return toLogin();
      try {
        const { caller, apiKey } = await authenticateHash(dash, session.keyHash);
        if (apiKey.id !== session.keyId) return toLogin();
        return { session, caller, viewer: { orgId: caller.orgId, role: caller.role, keyName: apiKey.name, csrf: session.csrf } };
      } catch (error) {
        if (error instanceof ProblemError) {
          // The key is gone for good (revoked, unknown): so is the session, on every node; the reason shows once.
          await sessions.end(session);
          void reply.clearCookie(SESSION_COOKIE, { path: '/' });
          return toLogin(/was revoked/.test(error.problem.detail ?? '') ? 'key-revoked' : 'key-invalid');
        }
        throw error;
      }
    };

    /** POST guard: a live session, the role, the CSRF token and a same-origin Origin. */
    const mayChange = async (request: FastifyRequest, reply: FastifyReply): Promise<Signed | null> => {
      checkOrigin(request);
      const signed = await signedIn(request, reply);
      if (!signed) return null;
      const token = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof token !== 'string' || !sameToken(token, signed.session.csrf)) throw new PageError(403, 'the form is out of date (missing or wrong CSRF token); reload the page and try again');
      if (!roleAllows(signed.caller.role, 'operator')) throw new PageError(403, `this needs the operator role; you are logged in with a ${signed.caller.role} key`);
      return signed;
    };

    scope.get('/', async (_request, reply) => reply.redirect('/dashboard/', 302));
    scope.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/', 302));
    scope.get('/dashboard/assets/dashboard.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(DASHBOARD_CSS));

    scope.get(LOGIN, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const reason = query.reason !== undefined && Object.hasOwn(LOGOUT_REASONS, query.reason) ? LOGOUT_REASONS[query.reason as keyof typeof LOGOUT_REASONS] : null;
      return sendHtml(reply, 200, loginPage(reason ? `You were logged out: ${reason}.` : null, safeNext(query.next)));
    });

    scope.post(LOGIN, async (request, reply) => {
      checkOrigin(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      const key = typeof body.key === 'string' ? body.key.trim() : '';
      if (!key) return sendHtml(reply, 400, loginPage('Paste an API key (ac_…).', next));
      try {
        const { apiKey } = await authenticateKey(dash, key);
        const { cookie } = sessions.issue(apiKey);
        void reply.setCookie(SESSION_COOKIE, cookie, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookie(request), maxAge: Math.floor(sessions.ttlMs / 1000) });
        return reply.redirect(next, 303);
      } catch (error) {
        if (error instanceof ProblemError && error.problem.status === 401) return sendHtml(reply, 401, loginPage(`Cannot log in: ${error.problem.detail ?? 'unknown API key'}.`, next));
        throw error;
      }
    });

    scope.post('/dashboard/logout', async (request, reply) => {
      checkOrigin(request);
      const session = await sessions.read(request.cookies[SESSION_COOKIE]);
      const token = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (session && typeof token === 'string' && sameToken(token, session.csrf)) await sessions.end(session);
      else if (session) throw new PageError(403, 'the form is out of date (missing or wrong CSRF token); reload the page and try again');
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect(LOGIN, 303);
    });

    scope.get('/dashboard/', async (request, reply) => {
      const signed = await signedIn(request, reply);
      if (!signed) return reply;
      return sendHtml(reply, 200, await overviewPage(dash, signed, request.query as Record<string, unknown>));
    });

    scope.get('/dashboard/schedules/:id', async (request, reply) => {
      const signed = await signedIn(request, reply);
      if (!signed) return reply;
      return sendHtml(reply, 200, await schedulePage(dash, signed, (request.params as { id: string }).id, request.query as Record<string, unknown>));
    });

    scope.get('/dashboard/runs/:id', async (request, reply) => {
      const signed = await signedIn(request, reply);
      if (!signed) return reply;
      return sendHtml(reply, 200, await runPage(dash, signed, (request.params as { id: string }).id, originOf(request), request.query as Record<string, unknown>));
    });

    for (const action of ['pause', 'resume', 'trigger'] as const) {
      scope.post(`/dashboard/schedules/:id/${action}`, async (request, reply) => {
        const signed = await mayChange(request, reply);
        if (!signed) return reply;
        const id = (request.params as { id: string }).id;
        const { orgId } = signed.caller;
        const schedule = await ctx.store.schedules.get(orgId, id);
        if (!schedule) throw new PageError(404, `schedule ${JSON.stringify(id)} not found`);
        const now = ctx.clock.now();
        if (action === 'trigger') {
          try {
            checkConcurrentRuns(signed.caller.tier, await ctx.store.runs.countActive(orgId), 1);
          } catch (error) {
            if (error instanceof LimitExceededError) throw new PageError(422, error.message);
            throw error;
          }
          const { run } = await triggerRun(ctx.store, { orgId, scheduleId: id, trigger: 'manual' }, now);
          return reply.redirect(`/dashboard/runs/${encodeURIComponent(run.id)}?flash=triggered`, 303);
        }
        const note = String((request.body as Record<string, unknown>).note ?? '').trim().slice(0, 500);
        await ctx.store.schedules.setPaused(orgId, id, action === 'pause', note || (action === 'pause' ? `paused from the dashboard by key ${signed.viewer.keyName}` : null), now);
        const back = safeNext((request.body as Record<string, unknown>).back);
        return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}flash=${action === 'pause' ? 'paused' : 'resumed'}`, 303);
      });
    }

    /** Artifact bytes for a signed-in page (screenshots inline, other files as downloads). */
    scope.get('/dashboard/runs/:id/artifacts/:attempt/:name', async (request, reply) => {
      const signed = await signedIn(request, reply);
      if (!signed) return reply;
      const { id, attempt, name } = request.params as { id: string; attempt: string; name: string };
      const artifact = /^\d+$/.test(attempt) ? await ctx.store.artifacts.get(signed.caller.orgId, id, Number(attempt), name) : null;
      if (!artifact) throw new PageError(404, `run ${JSON.stringify(id)} has no artifact ${JSON.stringify(name)} in attempt ${attempt}`);
      return sendPageArtifact(reply, artifact, dash.artifacts);
    });

    /** Trace bytes for the viewer, which fetches them itself: the signed token is the permission. */
    scope.get('/replay/trace.zip', async (request, reply) => {
      const token = (request.query as Record<string, unknown>).token;
      const grant = typeof token === 'string' ? dash.tokens.verify(token) : { refused: 'the replay link has no token' };
      if ('refused' in grant) throw new PageError(403, grant.refused);
      const artifact = await ctx.store.artifacts.get(grant.orgId, grant.runId, grant.attempt, grant.name);
      if (!artifact) throw new PageError(404, 'the trace of this attempt is gone (retention may have removed it)');
      return sendPageArtifact(reply, artifact, dash.artifacts);
    });
  });
}

async function sendPageArtifact(reply: FastifyReply, artifact: Artifact, store: ArtifactStore | null): Promise<FastifyReply> {
  if (!store) throw new PageError(404, 'this server was started without an artifact store, so artifact bytes cannot be shown');
  return sendArtifact(reply, artifact, store, { presentation: 'page', gone: () => new PageError(404, `the bytes of ${artifact.name} are gone (retention may have removed them)`) });
}

/** `scheme://host` of this request, for absolute URLs the trace viewer fetches. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** A POST whose Origin names another site is refused (SameSite=Strict is the first line, this the second). */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (origin !== originOf(request)) throw new PageError(403, `cross-site form posts are refused (Origin ${origin} is not ${originOf(request)})`);
}
