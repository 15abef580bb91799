import { afterEach, expect, it, vi } from 'vitest';
import { saveArtifact } from '../../src/runtime/artifacts.js';
import { describeContract } from '../store/backends.js';
import { csrfOf, dashboardHarness, seedArtifacts, seedRun, seedScheduleRow, T0, type DashboardHarness } from './harness.js';

const STEP_ERROR = {
  kind: 'assertion',
  retryable: false,
  message: 'steps[1].if.then[3] assert: the login was refused (expected URL containing "/dashboard") — on http://shop/login "Log in", visible text: "Wrong user name or password."',
  details: { step: 'steps[1].if.then[3]', stepKind: 'assert', page: { url: 'http://shop/login', title: 'Log in', text: 'Wrong user name or password.' } },
};

describeContract('dashboard routes', (backend) => {
  let h: DashboardHarness;
  afterEach(async () => h?.cleanup());

  it('logs in with a live key only, and says why a key is refused', async () => {
    h = await dashboardHarness(backend());
    const cases: Array<[string, number, RegExp]> = [
      ['', 400, /Paste an API key/],
      ['hunter2', 401, /not an agentcron API key/],
      [`${h.keys.admin.slice(0, -4)}AAAA`, 401, /unknown API key/],
      [h.keys.revoked, 401, /was revoked/],
    ];
    for (const [key, status, message] of cases) {
      const res = await h.post('/dashboard/login', { key }, null);
      expect({ key, status: res.statusCode }).toEqual({ key, status });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toMatch(message);
    }
    const ok = await h.post('/dashboard/login', { key: h.keys.viewer, next: '/dashboard/schedules/s1' }, null);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/dashboard/schedules/s1');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^agentcron_session=[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{43};/); // signed claims . HMAC-SHA256
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The login never redirects off the dashboard.
    const offsite = await h.post('/dashboard/login', { key: h.keys.viewer, next: '//evil.example/x' }, null);
    expect(offsite.headers.location).toBe('/dashboard/');
  });

  it('every page needs the session cookie; a revoked key ends its sessions', async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    const run = await seedRun(h.store, 'acme', 's1', T0, 'failed', { error: STEP_ERROR });
    await seedArtifacts(h, run);
    for (const url of ['/dashboard/', '/dashboard/schedules/s1', `/dashboard/runs/${run.id}`, `/dashboard/runs/${run.id}/artifacts/1/final.png`]) {
      for (const cookie of [null, 'agentcron_session=forged']) {
        const res = await h.get(url, cookie);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 303 });
        expect(res.headers.location).toBe(`/dashboard/login?next=${encodeURIComponent(url)}`);
      }
    }
    const cookie = await h.login(h.keys.admin);
    expect((await h.get('/dashboard/', cookie)).statusCode).toBe(200);
    const adminId = (await h.store.apiKeys.list('acme')).find((k) => k.name === 'acme-admin')!.id;
    await h.store.apiKeys.revoke('acme', adminId, T0);
    const after = await h.get('/dashboard/', cookie);
    expect(after.statusCode).toBe(303);
    expect(String(after.headers.location)).toMatch(/&reason=key-revoked$/);
    expect((await h.get(String(after.headers.location))).body).toContain('You were logged out: the API key of your session was revoked.');
    // The page shows fixed reasons only, never text a link brings along.
    expect((await h.get('/dashboard/login?reason=Call%20+1-555-0100%20now')).body).not.toMatch(/logged out|555/);
    // The session is gone for good, not only refused once.
    expect((await h.get('/dashboard/', cookie)).headers.location).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard/')}`);
  });

  it("another organisation's schedules, runs and artifacts are not found", async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    const run = await seedRun(h.store, 'acme', 's1', T0, 'failed', { error: STEP_ERROR });
    await seedArtifacts(h, run);
    const mine = await h.login(h.keys.admin);
    expect((await h.get(`/dashboard/runs/${run.id}/artifacts/1/final.png`, mine)).statusCode).toBe(200);
    const other = await h.login(h.keys.otherAdmin);
    const overview = await h.get('/dashboard/', other);
    expect(overview.statusCode).toBe(200);
    expect(overview.body).not.toContain('data-schedule="s1"'); // not bare 's1': a random CSRF token can contain it
    for (const url of ['/dashboard/schedules/s1', `/dashboard/runs/${run.id}`, `/dashboard/runs/${run.id}/artifacts/1/final.png`, `/dashboard/runs/${run.id}/artifacts/1/trace.zip`]) {
      const res = await h.get(url, other);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      expect(res.body).not.toContain('Wrong user name');
    }
    const csrf = csrfOf(overview);
    const pause = await h.post('/dashboard/schedules/s1/pause', { _csrf: csrf }, other);
    expect(pause.statusCode).toBe(404);
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: false });
  });

  it('viewers look; operators pause, resume and trigger', async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    const viewer = await h.login(h.keys.viewer);
    const seen = await h.get('/dashboard/', viewer);
    expect(seen.body).toContain('data-schedule="s1"');
    expect(seen.body).not.toContain('/dashboard/schedules/s1/pause');
    const refused = await h.post('/dashboard/schedules/s1/pause', { _csrf: csrfOf(seen) }, viewer);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(/needs the operator role; you are logged in with a viewer key/);
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: false });

    const operator = await h.login(h.keys.operator);
    const csrf = csrfOf(await h.get('/dashboard/', operator));
    const paused = await h.post('/dashboard/schedules/s1/pause', { _csrf: csrf, note: 'vendor maintenance', back: '/dashboard/?filter=paused' }, operator);
    expect(paused.statusCode).toBe(303);
    expect(paused.headers.location).toBe('/dashboard/?filter=paused&flash=paused');
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: true, pauseNote: 'vendor maintenance' });
    const list = await h.get('/dashboard/?filter=paused&flash=paused', operator);
    expect(list.body).toContain('vendor maintenance');
    expect(list.body).toContain('Paused: no new runs fire');
    expect((await h.post('/dashboard/schedules/s1/resume', { _csrf: csrf }, operator)).statusCode).toBe(303);
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: false, pauseNote: null });
    const trigger = await h.post('/dashboard/schedules/s1/trigger', { _csrf: csrf }, operator);
    expect(trigger.statusCode).toBe(303);
    const runId = /^\/dashboard\/runs\/([^?]+)\?flash=triggered$/.exec(String(trigger.headers.location))?.[1];
    expect(await h.store.runs.get('acme', runId!)).toMatchObject({ scheduleId: 's1', trigger: 'manual', status: 'queued' });
  });

  it('a POST needs the session CSRF token and, when sent, a same-origin Origin', async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    const cookie = await h.login(h.keys.admin);
    const csrf = csrfOf(await h.get('/dashboard/', cookie));
    const other = csrfOf(await h.get('/dashboard/', await h.login(h.keys.operator)));
    for (const [form, headers] of [
      [{}, {}],
      [{ _csrf: 'x'.repeat(csrf.length) }, {}],
      [{ _csrf: other }, {}],
      [{ _csrf: csrf }, { origin: 'http://evil.example' }],
    ] as Array<[Record<string, string>, Record<string, string>]>) {
      const res = await h.post('/dashboard/schedules/s1/pause', form, cookie, headers);
      expect(res.statusCode).toBe(403);
    }
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: false });
    const ok = await h.post('/dashboard/schedules/s1/pause', { _csrf: csrf }, cookie, { origin: 'http://localhost:80' });
    expect(ok.statusCode).toBe(303);
    expect(await h.store.schedules.get('acme', 's1')).toMatchObject({ paused: true });
  });

  it('logging out ends the session', async () => {
    h = await dashboardHarness(backend());
    const cookie = await h.login(h.keys.admin);
    const res = await h.post('/dashboard/logout', { _csrf: csrfOf(await h.get('/dashboard/', cookie)) }, cookie);
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/agentcron_session=;/);
    expect((await h.get('/dashboard/', cookie)).statusCode).toBe(303);
  });

  it('lists failing schedules first, 50 a page, with their failing step; filters failing and paused', async () => {
    h = await dashboardHarness(backend());
    for (let i = 0; i < 60; i++) await seedScheduleRow(h.store, 'acme', `s${String(i).padStart(2, '0')}`, { paused: i === 3 });
    await seedRun(h.store, 'acme', 's10', T0, 'succeeded');
    await seedRun(h.store, 'acme', 's55', T0, 'succeeded');
    await seedRun(h.store, 'acme', 's55', T0 + 600_000, 'failed', { error: STEP_ERROR });
    const cookie = await h.login(h.keys.viewer);
    const first = await h.get('/dashboard/', cookie);
    const order = [...first.body.matchAll(/data-schedule="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toHaveLength(50);
    expect(order[0]).toBe('s55');
    expect(order.slice(1, 4)).toEqual(['s00', 's01', 's02']);
    expect(first.body).toMatch(/Failed at <code>steps\[1\]\.if\.then\[3\]<\/code> \(assert\): <span>the login was refused \(expected URL/);
    expect(first.body).toContain('1 failing');
    const second = await h.get('/dashboard/?page=2', cookie);
    expect([...second.body.matchAll(/data-schedule="([^"]+)"/g)].map((m) => m[1])).toEqual(['s49', 's50', 's51', 's52', 's53', 's54', 's56', 's57', 's58', 's59']);
    expect([...(await h.get('/dashboard/?filter=failing', cookie)).body.matchAll(/data-schedule="([^"]+)"/g)].map((m) => m[1])).toEqual(['s55']);
    expect([...(await h.get('/dashboard/?filter=paused', cookie)).body.matchAll(/data-schedule="([^"]+)"/g)].map((m) => m[1])).toEqual(['s03']);
    // The strip: oldest first, each cell linking to its run.
    const runs = (await h.store.runs.list({ orgId: 'acme', scheduleId: 's55' })).runs;
    const strip = /<div class="strip"[^>]*>(.*?)<\/div>/s.exec(first.body)![1]!;
    expect([...strip.matchAll(/class="s-(\w+)" href="\/dashboard\/runs\/([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([
      ['succeeded', runs[1]!.id],
      ['failed', runs[0]!.id],
    ]);
    expect((await h.get('/dashboard/?filter=broken', cookie)).statusCode).toBe(400);
    expect((await h.get('/dashboard/?page=9', cookie)).statusCode).toBe(404);
  });

  it('artifacts are streamed from their files (never read whole through get); only images show inline, unsafe types download as octet-stream', async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    const run = await seedRun(h.store, 'acme', 's1', T0, 'failed', { error: STEP_ERROR });
    await seedArtifacts(h, run);
    const large = Buffer.alloc(4 * 1024 * 1024, 'x');
    await saveArtifact({ store: h.store, artifacts: h.artifacts }, { orgId: run.orgId, runId: run.id, attempt: 1 }, { name: 'page.html', kind: 'download', contentType: 'text/html', body: large }, T0);
    const get = vi.spyOn(h.artifacts, 'get');
    const cookie = await h.login(h.keys.viewer);
    const png = await h.get(`/dashboard/runs/${run.id}/artifacts/1/final.png`, cookie);
    expect(png.statusCode).toBe(200);
    expect(png.headers).toMatchObject({ 'content-type': 'image/png', 'content-disposition': 'inline; filename="final.png"', 'content-length': '4', 'cache-control': 'private, no-store' });
    const html = await h.get(`/dashboard/runs/${run.id}/artifacts/1/page.html`, cookie);
    expect(html.statusCode).toBe(200);
    expect(html.headers).toMatchObject({ 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="page.html"', 'content-length': String(large.length), 'x-content-type-options': 'nosniff' });
    expect(html.rawPayload.equals(large)).toBe(true);
    expect(get).not.toHaveBeenCalled();
    // Bytes pruned from under their row: a clear 404.
    const artifact = await h.store.artifacts.get(run.orgId, run.id, 1, 'page.html');
    await h.artifacts.delete(artifact!.storageKey);
    const gone = await h.get(`/dashboard/runs/${run.id}/artifacts/1/page.html`, cookie);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toMatch(/the bytes of page\.html are gone/);
  });

  it('a run page shows the failing step and a replay link that works without the cookie, until it expires', async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    await seedRun(h.store, 'acme', 's1', T0 - 600_000, 'succeeded', { output: { price: 10 } });
    const run = await seedRun(h.store, 'acme', 's1', T0, 'failed', { error: STEP_ERROR });
    await seedArtifacts(h, run);
    const cookie = await h.login(h.keys.viewer);
    const res = await h.get(`/dashboard/runs/${run.id}`, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/Failed at step <code id="failing-step">steps\[1\]\.if\.then\[3\]<\/code>/);
    expect(res.body).toContain('Wrong user name or password.');
    expect(res.body).toContain(`src="/dashboard/runs/${run.id}/artifacts/1/final.png"`);
    const viewer = /id="open-replay" href="([^"]+)"/.exec(res.body)![1]!.replaceAll('&amp;', '&');
    expect(viewer).toMatch(/^\/replay\/viewer\/index\.html\?trace=/);
    const traceUrl = new URL(decodeURIComponent(viewer.split('trace=')[1]!));
    const trace = await h.get(`${traceUrl.pathname}${traceUrl.search}`, null);
    expect(trace.statusCode).toBe(200);
    expect(trace.body).toBe('PK-not-really-a-zip');
    const viewerPage = await h.get('/replay/viewer/index.html', null);
    expect(viewerPage.statusCode).toBe(200);
    expect(viewerPage.body).toMatch(/<title>Playwright Trace Viewer<\/title>/);
    const token = traceUrl.searchParams.get('token')!;
    expect((await h.get(`/replay/trace.zip?token=${token.replace('.', '.AAAA')}`, null)).statusCode).toBe(403);
    expect((await h.get('/replay/trace.zip', null)).statusCode).toBe(403);
    await h.clock.advance(2 * 60 * 60 * 1000);
    const expired = await h.get(`${traceUrl.pathname}${traceUrl.search}`, null);
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toMatch(/expired/);
  });

  it('a schedule page shows counts, percentiles, run filters and cursor pages', async () => {
    h = await dashboardHarness(backend());
    await seedScheduleRow(h.store, 'acme', 's1');
    for (let i = 0; i < 55; i++) await seedRun(h.store, 'acme', 's1', T0 - (i + 1) * 600_000, i % 5 === 0 ? 'failed' : 'succeeded', i % 5 === 0 ? { error: STEP_ERROR } : {});
    const cookie = await h.login(h.keys.viewer);
    const res = await h.get('/dashboard/schedules/s1?window=24h', cookie);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<div class="k">Runs<\/div><div class="v ">55<\/div>/);
    expect(res.body).toMatch(/<div class="k">Succeeded<\/div><div class="v good">44<\/div>/);
    // Every run took 2 s (claimed at +1 s, finished at +3 s) and started 1 s late.
    expect(res.body).toMatch(/Duration \(finished − started\)<\/td><td><span class="mono">2.00 s \/ 2.00 s \/ 2.00 s<\/span>/);
    expect(res.body).toMatch(/Start lateness \(started − nominal\)<\/td><td><span class="mono">1.00 s \/ 1.00 s \/ 1.00 s<\/span>/);
    expect([...res.body.matchAll(/<tr><td><a class="mono" href="\/dashboard\/runs\//g)]).toHaveLength(50);
    const older = /href="([^"]+)" rel="next">Older/.exec(res.body)![1]!.replaceAll('&amp;', '&');
    const page2 = await h.get(older, cookie);
    expect([...page2.body.matchAll(/<tr><td><a class="mono" href="\/dashboard\/runs\//g)]).toHaveLength(5);
    const failing = await h.get('/dashboard/schedules/s1?status=failing', cookie);
    expect([...failing.body.matchAll(/<tr><td><a class="mono" href="\/dashboard\/runs\//g)]).toHaveLength(11);
    expect(failing.body).toContain('steps[1].if.then[3] assert: the login was refused');
    expect((await h.get('/dashboard/schedules/s1?window=2d', cookie)).body).toMatch(/window must be one of 1h, 24h, 7d, 30d/);
    expect((await h.get('/dashboard/schedules/s1?cursor=garbage', cookie)).statusCode).toBe(400);
    expect((await h.get('/dashboard/schedules/nope', cookie)).statusCode).toBe(404);
  });
});
