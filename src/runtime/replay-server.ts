import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
};

/** The trace viewer web app that ships inside playwright-core (what `playwright show-trace` serves). */
export function traceViewerRoot(): string {
  const pkg = createRequire(import.meta.url).resolve('playwright-core/package.json');
  return join(dirname(pkg), 'lib', 'vite', 'traceViewer');
}

export interface ReplayServer {
  /** Open this in a browser: the viewer with the trace loaded. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the trace viewer and one trace zip on a local port, nothing from the internet: the
 * viewer's static files under /trace/, the zip at /files/trace.zip, and the viewer URL points
 * at it with `?trace=`.
 */
export async function startReplayServer(options: { traceFile: string; port?: number; host?: string }): Promise<ReplayServer> {
  const root = traceViewerRoot();
  await stat(join(root, 'index.html'));
  const traceFile = resolve(options.traceFile);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname);
    if (path === '/files/trace.zip') return sendFile(res, traceFile, 'application/zip');
    if (path === '/' || path === '/trace' || path === '/trace/') {
      res.writeHead(302, { location: viewerPath });
      return res.end();
    }
    if (path.startsWith('/trace/')) {
      const file = resolve(root, `.${path.slice('/trace'.length)}`);
      if (file.startsWith(root + sep)) return sendFile(res, file, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    }
    res.writeHead(404).end('not found');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  const viewerPath = `/trace/index.html?trace=${encodeURIComponent(`${base}/files/trace.zip`)}`;
  return {
    url: `${base}${viewerPath}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function sendFile(res: import('node:http').ServerResponse, file: string, contentType: string): void {
  const stream = createReadStream(file);
  stream.once('open', () => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }));
  stream.once('error', () => {
    if (!res.headersSent) res.writeHead(404);
    res.end();
  });
  stream.pipe(res);
}
