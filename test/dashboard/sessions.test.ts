/**
 * Stateless dashboard sessions: a cookie signed with the secret every node reads from `meta`, so a
 * second dashboard (another node, or the same one restarted) on the same database accepts it.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { sharedSigningSecret, SESSION_TTL_MS, SIGNING_SECRET_META_KEY } from '../../src/dashboard/sessions.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { describeContract, type Backend } from '../store/backends.js';
import { csrfOf, dashboardHarness, seedArtifacts, seedRun, seedScheduleRow, T0, type DashboardHarness } from './harness.js';

describeContract('dashboard sessions', (backend) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function harness(b: Backend): Promise<DashboardHarness> {
    const h = await dashboardHarness(b);
    cleanups.push(() => h.cleanup());
    return h;
  }

  /** Another dashboard on the same database, through its own connection, sharing the clock. */
  async function secondNode(h: DashboardHarness, b: Backend): Promise<FastifyInstance> {
    const second = await buildApi({ store: await b.openPeer(), clock: h.clock, runners: [new HttpRunner()], secretBox: h.box, rateLimit: false, dashboard: { artifacts: h.artifacts } });
    cleanups.push(() => second.close());
    await second.ready();
    return second;
  }
  const get = (app: FastifyInstance, url: string, cookie: string | null) => app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

  it('a session and a replay link made by one node work on another; a logout on one ends it on both', async () => {
    const b = backend();
    const h = await harness(b);
    await seedScheduleRow(h.store, 'acme', 's1');
    const run = await seedRun(h.store, 'acme', 's1', T0, 'failed');
    await seedArtifacts(h, run);
    const other = await secondNode(h, b);
    const cookie = await h.login(h.keys.operator);

    const overview = await get(other, '/dashboard/', cookie);
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('data-schedule="s1"');
    expect(overview.body).toContain('acme-operator');
    // A form rendered by the first node posts to the second: the CSRF token travels in the cookie.
    const paused = await other.inject({ method: 'POST', url: '/dashboard/schedules/s1/pause', payload: new URLSearchParams({ _csrf: csrfOf(await h.get('/dashboard/', cookie)) }).toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(paused.statusCode).toBe(303);
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: true, pauseNote: 'paused from the dashboard by key acme-operator' });

    const runPage = await h.get(`/dashboard/runs/${run.id}`, cookie);
    const viewer = /id="open-replay" href="([^"]+)"/.exec(runPage.body)![1]!.replaceAll('&amp;', '&');
    const traceUrl = new URL(decodeURIComponent(viewer.split('trace=')[1]!));
    const trace = await get(other, `${traceUrl.pathname}${traceUrl.search}`, null);
    expect(trace.statusCode).toBe(200);
    expect(trace.body).toBe('PK-not-really-a-zip');

    const logout = await other.inject({ method: 'POST', url: '/dashboard/logout', payload: new URLSearchParams({ _csrf: csrfOf(overview) }).toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(logout.statusCode).toBe(303);
    expect(String(logout.headers['set-cookie'])).toMatch(/agentcron_session=;/);
    for (const app of [h.app, other]) expect((await get(app, '/dashboard/', cookie)).headers.location).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard/')}`);
    // Logging in again gives a new session, which works.
    expect((await h.get('/dashboard/', await h.login(h.keys.operator))).statusCode).toBe(200);
  });

  it('refuses a tampered, foreign or expired cookie; expiry is absolute, counted from login', async () => {
    const h = await harness(backend());
    const cookie = await h.login(h.keys.viewer);
    const value = cookie.slice('agentcron_session='.length);
    const [body, mac] = value.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(claims).sort()).toEqual(['csrf', 'iat', 'kh', 'kid', 'sid']);
    expect(JSON.stringify(claims)).not.toContain(h.keys.viewer);

    const admin = (await h.store.apiKeys.list('acme')).find((k) => k.name === 'acme-admin')!;
    const forge = (changed: Record<string, unknown>) => `${Buffer.from(JSON.stringify({ ...claims, ...changed })).toString('base64url')}.${mac}`;
    const wrongSecret = `${body}.${createHmac('sha256', 'not the secret').update(body).digest('base64url')}`;
    for (const bad of [forge({ kid: admin.id, kh: admin.hash }), forge({ iat: T0 + 60_000 }), wrongSecret, `${body}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`, `${body}.${mac}.x`, body, '', '.']) {
      const res = await h.get('/dashboard/', `agentcron_session=${bad}`);
      expect({ bad, status: res.statusCode }).toEqual({ bad, status: 303 });
    }

    await h.clock.advance(SESSION_TTL_MS - 1);
    expect((await h.get('/dashboard/', cookie)).statusCode).toBe(200);
    await h.clock.advance(1);
    const expired = await h.get('/dashboard/', cookie);
    expect(expired.statusCode).toBe(303);
    expect(expired.headers.location).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard/')}`);
  });

  it('every node starting at once ends up with one signing secret, kept across restarts', async () => {
    const b = backend();
    const stores = [await b.open(), await b.openPeer(), await b.openPeer()];
    const secrets = await Promise.all(stores.map((store) => sharedSigningSecret(store.meta, T0)));
    expect(secrets[0]!.length).toBe(32);
    for (const secret of secrets) expect(secret.equals(secrets[0]!)).toBe(true);
    expect((await sharedSigningSecret(stores[1]!.meta, T0 + 1)).equals(secrets[0]!)).toBe(true);
  });

  it('a damaged secret in meta stops the start with an error naming the row', async () => {
    const b = backend();
    const store = await b.open();
    await store.meta.set(SIGNING_SECRET_META_KEY, 'short', T0);
    await expect(sharedSigningSecret(store.meta, T0)).rejects.toThrow(/meta key dashboard\.signingSecret does not hold a base64url secret of 32 bytes/);
    expect(await store.meta.get(SIGNING_SECRET_META_KEY)).toBe('short');
  });
});
