import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserServer } from 'playwright-core';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Store } from '../../store/store.js';
import type { Json } from '../../store/types.js';
import type { ArtifactInput } from '../artifacts.js';
import { CHROMIUM_ARGS, chromiumExecutable } from '../browser-pool.js';
import { RunFailure } from '../failure.js';
import { maskSecrets } from '../mask.js';
import type { AttemptContext, TemplateRunner } from '../runner.js';
import type { HostMessage, HostRequest } from './define.js';

export const ScriptDefinitionSchema = z
  .object({
    /** The module, relative to the templates directory (`.ts`, `.mts`, `.js`, `.mjs`). */
    module: z.string().regex(/\.(m?ts|m?js)$/, 'a .ts, .mts, .js or .mjs file'),
    /** Heap limit of the script's process in MiB (default 512). */
    memoryMb: z.number().int().min(16).max(16_384).optional(),
    /** Secret names the script receives in `ctx.secrets` (masked in its logs). */
    secrets: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type ScriptDefinition = z.infer<typeof ScriptDefinitionSchema>;

export interface ScriptRunnerDeps {
  /** Where script modules live (the config's `templatesDir`). */
  templatesDir: string;
  store: Store;
  clock: Clock;
  /** Resolves the secrets a script declares (by name) for an organisation. */
  secrets?: (orgId: string, names: readonly string[]) => Promise<Record<string, string>>;
  executablePath?: string;
  /** After a cancel, how long the script may wind down before SIGKILL (default 0: at once). */
  killGraceMs?: number;
}

/** What the script runner reads from an attempt beyond the base AttemptContext (the browser runtime's worker adds them). */
type ScriptAttempt = AttemptContext & Partial<{ orgId: string; templateId: string; saveArtifact(artifact: ArtifactInput): Promise<void> }>;

/**
 * The `script` template kind. The module runs in a child Node process (heap-capped) so that a
 * script that throws, loops forever or exhausts its memory fails only its own attempt; the
 * run's signal (deadline, cancel, lost lease) SIGKILLs it.
 *
 * The child drives Chromium through a Playwright browser server (`launchServer` + `connect`)
 * rather than the pool's browsers: the pool launches Chromium over a pipe owned by this process,
 * which another process cannot attach to, and `connectOverCDP` would need a debugging port on
 * every pooled browser. A browser server also cleans up after a killed child: when the child's
 * websocket drops, the server closes the contexts that child opened.
 */
export class ScriptRunner implements TemplateRunner {
  readonly kind = 'script' as const;
  private server: Promise<BrowserServer> | null = null;
  private readonly children = new Set<ChildProcess>();

  /** Without dependencies the runner only checks definitions' shape (e.g. `agentcron apply`). */
  constructor(private readonly runtime: ScriptRunnerDeps | null) {}

  private get deps(): ScriptRunnerDeps {
    if (!this.runtime) throw new RunFailure('this process cannot run script templates (no templates directory)', { kind: 'config', retryable: true });
    return this.runtime;
  }

  validate(definition: Json): void {
    const parsed = this.parse(definition);
    if (this.runtime) this.modulePath(parsed);
  }

  async run(definition: Json, ctx: ScriptAttempt): Promise<Json> {
    const parsed = this.parse(definition);
    const modulePath = this.modulePath(parsed);
    const server = await this.browserServer();
    const orgId = ctx.orgId ?? null;
    const templateId = ctx.templateId ?? null;
    const state = orgId && templateId ? await this.deps.store.state.all(orgId, templateId) : {};
    const declared = parsed.secrets ?? [];
    const secrets = declared.length && orgId && this.deps.secrets ? await this.deps.secrets(orgId, declared) : {};
    const mask = (text: string) => maskSecrets(text, Object.values(secrets));

    const child = fork(hostPath(), [], {
      execArgv: ['--import', tsxLoader(), `--max-old-space-size=${parsed.memoryMb ?? 512}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.children.add(child);
    // A child that dies before reading its request makes send() fail: that is this attempt's failure, never the server's.
    child.on('error', (error) => ctx.log.warn({ err: error }, 'script process error'));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.stdout?.on('data', (chunk: Buffer) => ctx.log.info({ script: true }, mask(chunk.toString().trimEnd())));
    const pending: Array<Promise<unknown>> = [];

    const outcome = new Promise<Json>((resolveRun, reject) => {
      let settled: HostMessage | null = null;
      child.on('message', (message: HostMessage) => {
        switch (message.type) {
          case 'log':
            ctx.log[message.level]({ script: true, ...(message.data === undefined ? {} : { data: JSON.parse(mask(JSON.stringify(message.data))) as unknown }) }, mask(message.message));
            break;
          case 'state':
            if (orgId && templateId) pending.push(this.deps.store.state.set(orgId, templateId, message.key, (message.value ?? null) as Json, this.deps.clock.now()));
            break;
          case 'artifact':
            if (ctx.saveArtifact) {
              pending.push(ctx.saveArtifact({ name: message.name, contentType: message.contentType, body: Buffer.from(message.body), kind: message.contentType.startsWith('image/') ? 'screenshot' : 'other' }));
            }
            break;
          default:
            settled = message;
        }
      });
      child.on('exit', (code, signal) => {
        if (ctx.signal.aborted) return reject(ctx.signal.reason as Error);
        if (settled?.type === 'result') return resolveRun(settled.output as Json);
        if (settled?.type === 'failure') return reject(new RunFailure(mask(settled.message), { kind: settled.kind, retryable: settled.retryable }));
        if (/heap out of memory|Allocation failed/i.test(stderr)) {
          return reject(new RunFailure(`the script ran out of memory (heap limit ${parsed.memoryMb ?? 512} MiB)`, { kind: 'script.memory', retryable: false }));
        }
        reject(new RunFailure(`the script's process ended without a result (exit ${code ?? signal}): ${mask(stderr.trim().split('\n').slice(-3).join(' | '))}`, { kind: 'script.crashed', retryable: false }));
      });
    });
    const kill = () => {
      child.send({ type: 'abort' }, () => undefined);
      setTimeout(() => child.kill('SIGKILL'), this.deps.killGraceMs ?? 0).unref();
    };
    if (ctx.signal.aborted) kill();
    else ctx.signal.addEventListener('abort', kill, { once: true });
    const request: HostRequest = { type: 'start', modulePath, wsEndpoint: (await server).wsEndpoint(), params: ctx.params, secrets, state };
    child.send(request);
    try {
      return await outcome;
    } finally {
      ctx.signal.removeEventListener('abort', kill);
      this.children.delete(child);
      await Promise.allSettled(pending);
    }
  }

  /** Kills running scripts and stops the browser server. */
  async close(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
    const server = this.server;
    this.server = null;
    if (!this.runtime) return;
    if (server) await (await server).close().catch(() => undefined);
  }

  private parse(definition: Json): ScriptDefinition {
    const parsed = ScriptDefinitionSchema.safeParse(definition);
    if (parsed.success) return parsed.data;
    const lines = parsed.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new RunFailure(`invalid script definition:\n${lines.join('\n')}`, { kind: 'definition', retryable: false });
  }

  /** The module's absolute path; it must stay inside the templates directory and exist. */
  private modulePath(definition: ScriptDefinition): string {
    const root = resolve(this.deps.templatesDir);
    const path = resolve(root, definition.module);
    const inside = relative(root, path);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new RunFailure(`module: ${JSON.stringify(definition.module)} is outside the templates directory ${root}`, { kind: 'definition', retryable: false });
    }
    if (!existsSync(path)) throw new RunFailure(`module: ${JSON.stringify(definition.module)} not found in ${root}`, { kind: 'definition', retryable: false });
    return path;
  }

  private browserServer(): Promise<BrowserServer> {
    if (!this.server) {
      const launching = chromium.launchServer({ executablePath: this.deps.executablePath ?? chromiumExecutable(), args: [...CHROMIUM_ARGS] });
      this.server = launching;
      // A failed launch is not remembered: the next attempt tries again.
      launching.catch(() => {
        if (this.server === launching) this.server = null;
      });
    }
    return this.server;
  }
}

function hostPath(): string {
  const js = fileURLToPath(new URL('./host.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./host.ts', import.meta.url));
}

/** tsx's loader: scripts are TypeScript without a build step. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}
