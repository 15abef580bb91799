/**
 * A local HTTP receiver standing in for webhook and Slack endpoints: it records every request
 * (headers and exact body) and answers as the test scripts it; it can go down (the port stops
 * listening) and come back on the same port.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import { FakeClock } from '../../src/clock.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hold';

export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  answer: (request: ReceivedRequest) => Answer = () => ({ status: 200, body: 'ok' });
  private server: Server | null = null;
  private port = 0;
  private held: ServerResponse[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(request);
        const answer = this.answer(request);
        if (answer === 'hold') return void this.held.push(res);
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Stops listening (connections are refused) until `start()` again, on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.held.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** A started Receiver and a FakeClock at `start`, fresh for each test of the enclosing describe. */
export function useReceiver(start: number): { receiver: Receiver; clock: FakeClock } {
  const local = { receiver: new Receiver(), clock: new FakeClock(start) };
  beforeEach(async () => {
    local.receiver = new Receiver();
    await local.receiver.start();
    local.clock = new FakeClock(start);
  });
  afterEach(() => local.receiver.stop());
  return local;
}
