import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { INVENTORY, metricsAt, PRICE_PERIOD_MS, PRODUCTS, formatEuro, priceCents, stockAt } from '../../examples/demo/pages.js';
import { startDemoSite, type DemoSite } from '../../examples/demo/site.js';

const START = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('demo site', () => {
  const clock = new FakeClock(START);
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite(0, { clock });
  });
  afterAll(async () => {
    await site.close();
  });
  const get = (path: string, init?: RequestInit) => fetch(`${site.url}${path}`, { redirect: 'manual', ...init });

  it('keeps its JSON endpoints: /health, /price from the clock, /flaky failing two of three', async () => {
    expect(await (await get('/health')).json()).toEqual({ ok: true });
    expect(await (await get('/price')).json()).toEqual({ sku: 'demo-widget', price: 100 + (Math.floor(START / 60_000) % 7), currency: 'EUR' });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get('/flaky')).status);
    expect(statuses).toEqual([503, 503, 200, 503, 503, 200]);
  });

  it('shows prices computed from the clock, changing every 10 minutes', async () => {
    const before = await (await get('/products/gadget')).text();
    const gadget = PRODUCTS.find((p) => p.sku === 'gadget')!;
    expect(before).toContain(`data-testid="price">${formatEuro(priceCents(gadget, START))}<`);
    const prices = new Set<number>();
    for (let period = 0; period < 11; period++) prices.add(priceCents(gadget, START + period * PRICE_PERIOD_MS));
    expect(prices.size).toBeGreaterThan(5);
    expect(priceCents(gadget, START + PRICE_PERIOD_MS - 1 - (START % PRICE_PERIOD_MS))).toBe(priceCents(gadget, START));
    await clock.advance(PRICE_PERIOD_MS);
    const after = await (await get('/products/gadget')).text();
    expect(after).toContain(formatEuro(priceCents(gadget, START + PRICE_PERIOD_MS)));
    expect(priceCents(gadget, START + PRICE_PERIOD_MS)).not.toBe(priceCents(gadget, START));
    clock.set(START);
  });

  it('logs in with demo/demo, sets a session cookie and protects the dashboard', async () => {
    const anonymous = await get('/dashboard');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fdashboard');

    const wrong = await get('/login', { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'nope' }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong user name or password');

    const login = await get('/login', { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'demo', next: '/dashboard' }) });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/dashboard');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^demo_session=[0-9a-f-]{36}$/);

    const dashboard = await (await get('/dashboard', { headers: { cookie } })).text();
    const m = metricsAt(START);
    expect(dashboard).toContain(`<tr data-metric="orders"><th scope="row">Orders</th><td class="value">${m.orders}</td></tr>`);
    expect(dashboard).toContain(formatEuro(m.revenueCents));

    await get('/logout', { headers: { cookie } });
    expect((await get('/dashboard', { headers: { cookie } })).status).toBe(303);
  });

  it('refuses to redirect off-site after login', async () => {
    const login = await get('/login', { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'demo', next: '//evil.example/' }) });
    expect(login.headers.get('location')).toBe('/dashboard');
  });

  it('lists the inventory and serves it as a CSV download', async () => {
    const page = await (await get('/inventory')).text();
    for (const [i, item] of INVENTORY.entries()) {
      expect(page).toContain(`<td data-field="sku">${item.sku}</td><td data-field="name">${item.name}</td><td data-field="stock">${stockAt(i, START)}</td>`);
    }
    const csv = await get('/files/report.csv');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="report.csv"');
    expect((await csv.text()).split('\n')[1]).toBe(`widget,Demo Widget,${stockAt(0, START)}`);
  });

  it('has a flaky page failing every third request and a slow page', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get('/pages/flaky')).status);
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
    // An outage on demand: every request fails until it is mended; the counter waits meanwhile.
    expect((await get('/pages/flaky/down')).status).toBe(405);
    expect(await (await get('/pages/flaky/down', { method: 'POST' })).json()).toEqual({ down: true });
    for (let i = 0; i < 4; i++) expect((await get('/pages/flaky')).status).toBe(503);
    expect(await (await get('/pages/flaky/up', { method: 'POST' })).json()).toEqual({ down: false });
    expect((await get('/pages/flaky')).status).toBe(200);
    const started = Date.now();
    expect((await get('/pages/slow?ms=300')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('has a page that never finishes its response', async () => {
    const response = await get('/pages/hang', { signal: AbortSignal.timeout(2000) });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('Still loading');
    const next = await Promise.race([reader.read().then(() => 'more'), new Promise((r) => setTimeout(() => r('still open'), 500))]);
    expect(next).toBe('still open');
    await reader.cancel().catch(() => undefined);
  });

  it('answers unknown pages with 404', async () => {
    expect((await get('/products/nothing')).status).toBe(404);
    expect((await get('/nope')).status).toBe(404);
  });
});
