import { afterEach, expect, it } from 'vitest';
import { parseTrustProxy } from '../../src/cli/serve.js';
import { apiHarness, type ApiHarness } from '../api/harness.js';
import { describeContract } from '../store/backends.js';

/** What an HTTPS reverse proxy on this host sends with a browser's login form. */
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'cron.example.com', origin: 'https://cron.example.com' };

describeContract('dashboard behind an HTTPS reverse proxy', (backend) => {
  let h: ApiHarness | undefined;
  afterEach(async () => {
    await h?.app.close();
    h = undefined;
  });

  const login = (app: ApiHarness['app'], key: string) =>
    app.inject({ method: 'POST', url: '/dashboard/login', payload: new URLSearchParams({ key }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...FORWARDED } });

  it('believes X-Forwarded-* from a trusted proxy: the https Origin matches and the cookie is Secure', async () => {
    h = await apiHarness(backend(), { trustProxy: ['127.0.0.1'] });
    const res = await login(h.app, h.keys.admin);
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('ignores them from anyone else: the form is refused as cross-site', async () => {
    h = await apiHarness(backend(), { trustProxy: ['10.0.0.0/8'] });
    const res = await login(h.app, h.keys.admin);
    expect(res.statusCode).toBe(403);
    expect(res.body).toMatch(/cross-site form posts are refused \(Origin https:\/\/cron\.example\.com is not http:\/\//);
  });
});

it('--trust-proxy takes addresses, CIDR ranges and named ranges, and names what it cannot read', () => {
  expect(parseTrustProxy('127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback')).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  for (const bad of ['', 'proxy.local', '10.0.0.0/33', '10.0.0.1/8/2', '127.0.0.1,']) {
    expect(() => parseTrustProxy(bad)).toThrow(/--trust-proxy takes addresses or CIDR ranges/);
  }
});
