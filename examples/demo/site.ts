/**
 * The demo's target site: a small shop that behaves like the things people monitor.
 *
 * JSON endpoints (used by the `http` demo templates):
 *   /health  always up
 *   /price   a JSON price that changes every minute
 *   /flaky   fails two requests out of three (retries recover it)
 *   /slow    answers after 3 s
 *
 * HTML pages (used by `steps` templates and the browser tests; pages.ts renders them):
 *   /                   links to everything
 *   /products           product list; prices change every 10 minutes
 *   /products/:sku      product page with price, availability and a cart form (select, checkbox)
 *   /cart               what the cart form submitted
 *   /login              login form (demo/demo) setting a session cookie; /logout clears it
 *   /dashboard          login-protected metrics table
 *   /inventory          table of sku, name, stock (changes every hour)
 *   /forms              sign-up form with select and checkboxes -> /forms/result
 *   /interactions       hover, key press, late content, a long page to scroll
 *   /downloads          a link to /files/report.csv (served as an attachment)
 *   /pages/slow?ms=N    answers after N ms (default 2000)
 *   /pages/flaky        every third request answers 503 (deterministic counter)
 *   POST /pages/flaky/down, POST /pages/flaky/up
 *                       an outage of the flaky page: every request answers 503 until `up`
 *                       (the counter does not move meanwhile), to watch incidents open and resolve
 *   /pages/hang         sends headers and a little HTML, then never finishes
 *
 * Every price, stock figure and metric is computed from `clock.now()`, so a test with a fake
 * clock knows what the page shows.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/clock.js';
import {
  cartPage, dashboardPage, downloadsPage, formResultPage, formsPage, homePage, interactionsPage,
  inventoryPage, loginPage, messagePage, PRODUCTS, productPage, productsPage, reportCsv,
} from './pages.js';

export const DEMO_USER = 'demo';
export const DEMO_PASSWORD = 'demo';
const SESSION_COOKIE = 'demo_session';

export interface DemoSiteOptions {
  /** Source of "now" for prices, stock and metrics; the system clock by default. */
  clock?: Pick<Clock, 'now'>;
  /** Accounts that can log in, user name -> password; `demo`/`demo` by default. */
  users?: Record<string, string>;
}

export interface DemoSite {
  url: string;
  server: Server;
  /** Stops the server, cutting the connections it keeps open (the hanging page never ends them). */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

/** Only same-site paths, so the login form cannot be used to redirect elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/dashboard';
}

export async function startDemoSite(port = 0, options: DemoSiteOptions = {}): Promise<DemoSite> {
  const now = () => (options.clock ? options.clock.now() : Date.now());
  let flakyCount = 0;
  let flakyPageCount = 0;
  let flakyPageDown = false;
  const sessions = new Map<string, string>();
  const users = new Map(Object.entries(options.users ?? { [DEMO_USER]: DEMO_PASSWORD }));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const html = (status: number, body: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const redirect = (location: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(303, { location, ...headers });
      res.end();
    };
    const url = new URL(req.url ?? '/', 'http://demo.local');
    const path = url.pathname;
    const user = sessions.get(cookies(req).get(SESSION_COOKIE) ?? '');

    switch (path) {
      case '/health':
        return json(200, { ok: true });
      case '/price': {
        const minute = Math.floor(now() / 60_000);
        return json(200, { sku: 'demo-widget', price: 100 + (minute % 7), currency: 'EUR' });
      }
      case '/flaky':
        flakyCount++;
        return flakyCount % 3 === 0 ? json(200, { ok: true, attempt: flakyCount }) : json(503, { ok: false, error: 'temporarily unavailable' });
      case '/slow':
        return void setTimeout(() => json(200, { ok: true }), 3000);
      case '/':
        return html(200, homePage());
      case '/products':
        return html(200, productsPage(now()));
      case '/cart':
        return html(200, cartPage(url.searchParams));
      case '/login':
        if (req.method === 'POST') {
          const form = new URLSearchParams(await readBody(req));
          const next = safeNext(form.get('next'));
          const name = form.get('username') ?? '';
          if (!users.has(name) || users.get(name) !== form.get('password')) return html(401, loginPage(next, true));
          const token = randomUUID();
          sessions.set(token, name);
          return redirect(next, { 'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax` });
        }
        return html(200, loginPage(safeNext(url.searchParams.get('next')), false));
      case '/logout':
        sessions.delete(cookies(req).get(SESSION_COOKIE) ?? '');
        return redirect('/login', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0` });
      case '/dashboard':
        if (user === undefined) return redirect(`/login?next=${encodeURIComponent('/dashboard')}`);
        return html(200, dashboardPage(user, now()));
      case '/inventory':
        return html(200, inventoryPage(now()));
      case '/forms':
        return html(200, formsPage());
      case '/forms/result':
        return html(200, formResultPage(url.searchParams));
      case '/interactions':
        return html(200, interactionsPage());
      case '/downloads':
        return html(200, downloadsPage());
      case '/files/report.csv':
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="report.csv"' });
        return void res.end(reportCsv(now()));
      case '/pages/slow': {
        const ms = Math.min(Number(url.searchParams.get('ms') ?? 2000) || 0, 60_000);
        return void setTimeout(() => html(200, messagePage('Slow page', `This page took ${ms} ms.`)), ms);
      }
      case '/pages/flaky/down':
      case '/pages/flaky/up':
        if (req.method !== 'POST') return html(405, messagePage('Method not allowed', 'POST to break or mend the flaky page.'), { allow: 'POST' });
        flakyPageDown = path.endsWith('/down');
        return json(200, { down: flakyPageDown });
      case '/pages/flaky':
        if (flakyPageDown) return html(503, messagePage('Service unavailable', 'The flaky page is down.'));
        flakyPageCount++;
        return flakyPageCount % 3 === 0
          ? html(503, messagePage('Service unavailable', 'Temporarily unavailable, try again.'))
          : html(200, messagePage('Flaky page', `Request ${flakyPageCount} worked.`));
      case '/pages/hang':
        // Headers and the start of a document, then nothing: the load event never fires.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.write('<!doctype html><html><head><title>Hanging page</title></head><body><p id="hang">Still loading');
    }
    const product = path.startsWith('/products/') ? PRODUCTS.find((p) => p.sku === path.slice('/products/'.length)) : undefined;
    if (product) return html(200, productPage(product, now()));
    if (path.startsWith('/pages/') || path.startsWith('/products/')) return html(404, messagePage('Not found', `Nothing at ${path}.`));
    return json(404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
