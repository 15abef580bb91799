/**
 * The process a script template runs in (forked by ScriptRunner): it connects to the runner's
 * browser server, imports the module, checks params and output with the template's zod schemas
 * and reports back over IPC. Whatever the script does to this process — throw, spin, exhaust
 * its heap — the server process is untouched; the runner kills this one at the deadline.
 */
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { isScriptTemplate, type HostMessage, type HostRequest } from './define.js';

function send(message: HostMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

function issues(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

async function main(request: HostRequest): Promise<HostMessage> {
  const loaded = (await import(pathToFileURL(request.modulePath).href)) as { default?: unknown };
  const template = loaded.default;
  if (!isScriptTemplate(template)) {
    return { type: 'failure', kind: 'definition', retryable: false, message: `${request.modulePath} has no default export made with defineTemplate()` };
  }
  const params = template.params ? template.params.safeParse(request.params) : { success: true as const, data: request.params };
  if (!params.success) return { type: 'failure', kind: 'params', retryable: false, message: `invalid params: ${issues(params.error)}` };

  const abort = new AbortController();
  process.on('message', (m: { type?: string }) => m.type === 'abort' && abort.abort(new Error('the run was cancelled')));
  const state = new Map(Object.entries(request.state));
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: unknown) => void send({ type: 'log', level, message, ...(data === undefined ? {} : { data }) });
  let browser: Browser | null = null;
  try {
    browser = await chromium.connect(request.wsEndpoint, { timeout: 30_000 });
    const context = await browser.newContext();
    const page = await context.newPage();
    const output = await template.run({
      page,
      context,
      params: params.data,
      secrets: request.secrets,
      state: {
        get: (key) => state.get(key),
        set: (key, value) => {
          state.set(key, value);
          void send({ type: 'state', key, value });
        },
      },
      log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      artifacts: {
        save: (name, body, contentType) => void send({ type: 'artifact', name, contentType, body: typeof body === 'string' ? Buffer.from(body) : body }),
      },
      signal: abort.signal,
    });
    const checked = template.output ? template.output.safeParse(output) : { success: true as const, data: output };
    if (!checked.success) return { type: 'failure', kind: 'output', retryable: false, message: `the output does not match the template's schema: ${issues(checked.error)}` };
    return { type: 'result', output: JSON.parse(JSON.stringify(checked.data ?? null)) as unknown };
  } finally {
    await browser?.close().catch(() => undefined);
  }
}

process.once('message', (request: HostRequest) => {
  main(request)
    .catch((error: unknown): HostMessage => ({
      type: 'failure',
      kind: 'script.error',
      // A script says an error is final by setting `retryable = false` on it.
      retryable: (error as { retryable?: unknown })?.retryable !== false,
      message: error instanceof Error ? error.message : String(error),
    }))
    .then(send)
    .finally(() => process.exit(0));
});
