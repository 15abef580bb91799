/**
 * Runs a parsed `steps` definition on a page: control flow (`if`, `each`), variables, template
 * state, interpolation, params/output schemas, timeouts, abort and secret masking. The steps that
 * touch the page are in actions.ts. Reference: docs/steps.md.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { Page } from 'playwright-core';
import type { Json } from '../../store/types.js';
import { inSpan } from '../../telemetry/spans.js';
import { RunFailure } from '../failure.js';
import { interpolate, lookup, type Scope } from '../interpolate.js';
import { maskJson, maskSecrets } from '../mask.js';
import * as actions from './actions.js';
import type { Condition, Step, StepsDefinition } from './definition.js';
import { stepFailure, type StepPlace } from './failures.js';

export { parseStepsDefinition, StepsDefinitionError, type StepsDefinition } from './definition.js';

export interface StepsEnvironment {
  page: Page;
  params: Record<string, Json>;
  secrets: Record<string, string>;
  state: {
    get(key: string): Promise<Json | undefined>;
    set(key: string, value: Json): Promise<void>;
    all(): Promise<Record<string, Json>>;
  };
  artifacts: { save(name: string, body: Buffer, contentType: string): Promise<void> };
  log: Logger;
  signal: AbortSignal;
}

/**
 * Extra time a leaf step gets beyond its timeout before it is abandoned: Playwright enforces the
 * timeout itself; this only stops a call that ignores it from holding the run.
 */
const GUARD_GRACE_MS = 5000;

interface Loop { item: Json; index: number; of: number }

export async function runSteps(def: StepsDefinition, env: StepsEnvironment): Promise<Json> {
  return new StepsRun(def, env).execute();
}

class StepsRun {
  private readonly vars: Record<string, Json> = {};
  private state: Record<string, Json> = {};
  /** State writes are kept until the run succeeds, so a failed attempt leaves state as it found it. */
  private readonly stateWrites = new Map<string, Json>();
  private readonly secretValues: string[];
  /** Variables set in the current iteration of each `each` that collects. */
  private readonly collectors: Set<string>[] = [];
  private params: Record<string, Json>;

  constructor(
    private readonly def: StepsDefinition,
    private readonly env: StepsEnvironment,
  ) {
    this.secretValues = Object.values(env.secrets);
    this.params = env.params;
  }

  async execute(): Promise<Json> {
    this.checkParams();
    this.state = { ...this.def.stateDefaults, ...(await this.env.state.all()) };
    await this.runList(this.def.steps, 'steps', undefined);
    const output = maskJson(this.buildOutput(), this.secretValues);
    this.checkOutput(output);
    for (const [key, value] of this.stateWrites) await this.env.state.set(key, value);
    return output;
  }

  private checkParams(): void {
    const validator = this.def.schema.params;
    if (validator === undefined) return;
    const result = validator.check(this.params);
    if (!result.ok) {
      const list = result.issues.map((i) => `params.${i.path === '(root)' ? '' : i.path}: ${i.message}`.replace('params.:', 'params:'));
      throw new RunFailure(maskSecrets(`params do not match the template's schema: ${list.join('; ')}`, this.secretValues), {
        kind: 'params', retryable: false, details: { issues: result.issues as unknown as Json },
      });
    }
    // Schema defaults fill in params the caller left out.
    this.params = result.value as Record<string, Json>;
  }

  private buildOutput(): Json {
    if (this.def.output === undefined) return { ...this.vars };
    return this.interpolate(this.def.output, 'output', undefined);
  }

  private checkOutput(output: Json): void {
    const validator = this.def.schema.output;
    if (validator === undefined) return;
    const result = validator.check(output);
    if (!result.ok) {
      const list = result.issues.map((i) => `output.${i.path}: ${i.message}`.replace('output.(root)', 'output'));
      throw new RunFailure(`output does not match the template's schema: ${list.join('; ')}`, {
        kind: 'output', retryable: false, details: { issues: result.issues as unknown as Json },
      });
    }
  }

  private scope(loop: Loop | undefined): Scope {
    return {
      params: this.params,
      vars: this.vars,
      state: this.state,
      secrets: this.env.secrets,
      ...(loop === undefined ? {} : { item: loop.item, index: loop.index }),
    };
  }

  /** A missing reference is the template's mistake: retrying would not define it. */
  private interpolate(value: Json, where: string, loop: Loop | undefined): Json {
    try {
      return interpolate(value, this.scope(loop), where);
    } catch (error) {
      throw new RunFailure(maskSecrets(error instanceof Error ? error.message : String(error), this.secretValues), {
        kind: 'template', retryable: false,
      });
    }
  }

  private assignVar(name: string, value: Json): void {
    this.vars[name] = value;
    this.collectors.at(-1)?.add(name);
  }

  private async runList(steps: readonly Step[], base: string, loop: Loop | undefined): Promise<void> {
    for (const [i, step] of steps.entries()) {
      if (this.env.signal.aborted) throw this.env.signal.reason;
      await this.runStepInSpan(step, `${base}[${i}]`, loop);
    }
  }

  /** Each step is a child span of the attempt (an `if` or `each` is the parent of its steps). */
  private runStepInSpan(step: Step, path: string, loop: Loop | undefined): Promise<void> {
    const attributes = {
      'step.path': path,
      'step.kind': step.kind,
      ...(step.label === undefined ? {} : { 'step.label': step.label }),
      ...(loop === undefined ? {} : { 'step.iteration': loop.index + 1 }),
    };
    return inSpan(`agentcron.step ${step.kind}`, { attributes }, () => this.runStep(step, path, loop));
  }

  private async runStep(step: Step, path: string, loop: Loop | undefined): Promise<void> {
    if (step.kind === 'if') {
      const { then, else: otherwise, ...condition } = step.spec;
      const holds = await this.guarded(step, path, loop, () => this.evaluate(condition as Condition, path, loop));
      this.env.log.info({ step: path, kind: 'if', holds }, 'step');
      return this.runList(holds ? then : otherwise, `${path}.if.${holds ? 'then' : 'else'}`, loop);
    }
    if (step.kind === 'each') return this.runEach(step as Step & { kind: 'each' }, path, loop);
    if (step.kind === 'set') {
      const spec = this.interpolate(step.spec as unknown as Json, `${path}.set`, loop) as { vars: Record<string, Json>; state: Record<string, Json> };
      for (const [name, value] of Object.entries(spec.vars)) this.assignVar(name, value);
      for (const [key, value] of Object.entries(spec.state)) {
        // Secrets are never persisted in clear.
        const masked = maskJson(value, this.secretValues);
        this.state[key] = masked;
        this.stateWrites.set(key, masked);
      }
      this.env.log.info(maskJson({ step: path, kind: 'set', vars: Object.keys(spec.vars), state: Object.keys(spec.state) }, this.secretValues), 'step');
      return;
    }
    const spec = this.interpolate(step.spec as unknown as Json, `${path}.${step.kind}`, loop);
    const started = Date.now();
    const extracted = await this.guarded(step, path, loop, () => this.act(step.kind, spec, path, this.timeoutOf(step)), spec);
    if (extracted) for (const [name, value] of Object.entries(extracted)) this.assignVar(name, value);
    this.env.log.info(maskJson({ step: path, kind: step.kind, spec, ms: Date.now() - started }, this.secretValues), 'step');
  }

  private timeoutOf(step: Step): number {
    return step.timeoutMs ?? this.def.defaults.timeoutMs;
  }

  private async act(kind: Step['kind'], spec: Json, path: string, timeoutMs: number): Promise<Record<string, Json> | void> {
    const ctx: actions.ActionContext = {
      page: this.env.page,
      timeoutMs,
      signal: this.env.signal,
      path,
      saveArtifact: (name, body, contentType) => this.env.artifacts.save(name, body, contentType),
    };
    // The spec was validated for this kind before interpolation; interpolation keeps its shape.
    const s = spec as never;
    switch (kind) {
      case 'goto': return actions.gotoAction(s, ctx);
      case 'click': return actions.clickAction(s, ctx);
      case 'fill': return actions.fillAction(s, ctx);
      case 'press': return actions.pressAction(s, ctx);
      case 'select': return actions.selectAction(s, ctx);
      case 'check': return actions.checkAction(s, ctx);
      case 'hover': return actions.hoverAction(s, ctx);
      case 'scroll': return actions.scrollAction(s, ctx);
      case 'wait': return actions.waitAction(s, ctx);
      case 'screenshot': return actions.screenshotAction(s, ctx);
      case 'assert': return actions.assertAction(s, ctx);
      case 'extract': return actions.extractAction(s, ctx);
      default: throw new Error(`${path}: ${kind} is not a page action`);
    }
  }

  /**
   * Runs page work for a step: stops at the signal or when the work overruns its timeout, and
   * turns any error into a RunFailure naming the step, its selector and what was on the page.
   */
  private async guarded<T>(step: Step, path: string, loop: Loop | undefined, work: () => Promise<T>, spec?: Json): Promise<T> {
    const { signal } = this.env;
    if (signal.aborted) throw signal.reason;
    const waitMs = step.kind === 'wait' && 'timeMs' in step.spec ? (step.spec.timeMs ?? 0) : 0;
    const limit = Math.max(this.timeoutOf(step), waitMs) + GUARD_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RunFailure(`did not finish within ${limit} ms`, { kind: 'timeout', retryable: true })), limit);
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const running = work();
    running.catch(() => undefined); // settled later or never looked at once abandoned
    try {
      return await Promise.race([running, stop]);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw await stepFailure(error, this.place(step, path, loop, spec), this.env.page, this.secretValues);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  private place(step: Step, path: string, loop: Loop | undefined, spec: Json | undefined): StepPlace {
    const source = (spec ?? step.spec) as Record<string, unknown>;
    const selector = typeof source.selector === 'string' ? source.selector
      : typeof source.exists === 'string' ? source.exists
        : step.kind === 'goto' && typeof source.url === 'string' ? source.url : undefined;
    return {
      path,
      kind: step.kind,
      ...(step.label === undefined ? {} : { label: step.label }),
      ...(selector === undefined ? {} : { selector }),
      ...(loop === undefined ? {} : { iteration: `item ${loop.index + 1} of ${loop.of}` }),
    };
  }

  /** Conditions look at the page as it is, without waiting: use `wait` first for late content. */
  private async evaluate(condition: Condition, path: string, loop: Loop | undefined): Promise<boolean> {
    if ('var' in condition) {
      // A variable that was never set compares equal to null.
      const actual = lookup(this.scope(loop), condition.var) ?? null;
      if ('equals' in condition) return isDeepStrictEqual(actual, this.interpolate(condition.equals, `${path}.if.equals`, loop));
      const [which, bound] = 'above' in condition ? ['above', condition.above] as const : ['below', condition.below] as const;
      const limit = this.interpolate(bound, `${path}.if.${which}`, loop);
      if (typeof limit !== 'number') {
        throw new RunFailure(`${path}.if.${which}: expected a number, got ${JSON.stringify(limit)}`, { kind: 'template', retryable: false });
      }
      if (typeof actual !== 'number') return false;
      return which === 'above' ? actual > limit : actual < limit;
    }
    if ('exists' in condition) {
      const selector = this.interpolate(condition.exists, `${path}.if.exists`, loop) as string;
      return (await this.env.page.locator(selector).count()) > 0;
    }
    const { contains, selector } = this.interpolate(condition.text as unknown as Json, `${path}.if.text`, loop) as { contains: string; selector?: string };
    const found = await actions.visibleText(this.env.page, selector, this.def.defaults.timeoutMs);
    return found !== undefined && found.includes(contains);
  }

  private async runEach(step: Step & { kind: 'each' }, path: string, loop: Loop | undefined): Promise<void> {
    const over = this.interpolate(step.spec.over, `${path}.each.over`, loop);
    if (!Array.isArray(over)) {
      throw new RunFailure(`${path}.each.over: expected a list, got ${over === null ? 'null' : typeof over}`, { kind: 'template', retryable: false });
    }
    const items = step.spec.max === undefined ? over : over.slice(0, step.spec.max);
    const collected: Json[] = [];
    for (const [index, item] of items.entries()) {
      const names = new Set<string>();
      if (step.spec.collect !== undefined) this.collectors.push(names);
      try {
        await this.runList(step.spec.steps, `${path}.each.steps`, { item, index, of: items.length });
      } finally {
        if (step.spec.collect !== undefined) this.collectors.pop();
      }
      // An iteration that set nothing (say, an `if` that did not match) adds nothing.
      if (names.size > 0) collected.push(Object.fromEntries([...names].map((name) => [name, this.vars[name] ?? null])));
    }
    this.env.log.info({ step: path, kind: 'each', items: items.length }, 'step');
    if (step.spec.collect !== undefined) this.assignVar(step.spec.collect, collected);
  }
}
