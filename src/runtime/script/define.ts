/**
 * The `script` template API: a module whose default export is `defineTemplate({...})`.
 *
 *   import { defineTemplate } from 'agentcron';
 *   import { z } from 'zod';
 *   export default defineTemplate({
 *     params: z.object({ sku: z.string() }),
 *     output: z.object({ price: z.number() }),
 *     async run({ page, params, state, log }) { ... return { price }; },
 *   });
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { z } from 'zod';

export interface ScriptLog {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

export interface ScriptState {
  get(key: string): unknown;
  /** Stored with the template when the attempt ends (kept even if it fails afterwards). */
  set(key: string, value: unknown): void;
}

export interface ScriptArtifacts {
  save(name: string, body: Buffer | string, contentType: string): void;
}

export interface ScriptContext<P> {
  page: Page;
  context: BrowserContext;
  params: P;
  secrets: Record<string, string>;
  state: ScriptState;
  log: ScriptLog;
  artifacts: ScriptArtifacts;
  /** Aborted when the run is cancelled; the run deadline kills the process regardless. */
  signal: AbortSignal;
}

export interface ScriptTemplate<P extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly [SCRIPT_TEMPLATE]: true;
  params?: P;
  output?: O;
  run(ctx: ScriptContext<z.infer<P>>): Promise<z.input<O>>;
}

export const SCRIPT_TEMPLATE = Symbol.for('agentcron.scriptTemplate');

export function defineTemplate<P extends z.ZodType, O extends z.ZodType>(template: {
  params?: P;
  output?: O;
  run(ctx: ScriptContext<z.infer<P>>): Promise<z.input<O>>;
}): ScriptTemplate<P, O> {
  return { ...template, [SCRIPT_TEMPLATE]: true };
}

export function isScriptTemplate(value: unknown): value is ScriptTemplate {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SCRIPT_TEMPLATE] === true;
}

/** Messages between the runner (parent) and the script host (child process). */
export type HostRequest = {
  type: 'start';
  modulePath: string;
  wsEndpoint: string;
  params: unknown;
  secrets: Record<string, string>;
  state: Record<string, unknown>;
};

export type HostMessage =
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown }
  | { type: 'state'; key: string; value: unknown }
  | { type: 'artifact'; name: string; contentType: string; body: Uint8Array }
  | { type: 'result'; output: unknown }
  | { type: 'failure'; kind: string; message: string; retryable: boolean };
