/**
 * The demo's target site: a few endpoints that behave like the things people monitor.
 *   /health  always up
 *   /price   a JSON price that changes every minute
 *   /flaky   fails two requests out of three (retries recover it)
 *   /slow    answers after 3 s
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startDemoSite(port = 0): Promise<{ url: string; server: Server }> {
  let flakyCount = 0;
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (req.url) {
      case '/health':
        return json(200, { ok: true });
      case '/price': {
        const minute = Math.floor(Date.now() / 60_000);
        return json(200, { sku: 'demo-widget', price: 100 + (minute % 7), currency: 'EUR' });
      }
      case '/flaky':
        flakyCount++;
        return flakyCount % 3 === 0 ? json(200, { ok: true, attempt: flakyCount }) : json(503, { ok: false, error: 'temporarily unavailable' });
      case '/slow':
        return void setTimeout(() => json(200, { ok: true }), 3000);
      default:
        return json(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
