/**
 * One attempt of an agent template: replay the cached trajectory while it still fits the page,
 * then (or from the start, cold) observe → ask the model → act, until `done` with an output
 * that matches the schema, `fail`, or a limit. Every action is recorded with robust locators so
 * that a successful attempt can become the next cache entry.
 */
import type { Page } from 'playwright-core';
import type { Clock } from '../clock.js';
import { RunFailure } from '../runtime/failure.js';
import { compileJsonSchema, type JsonSchemaValidator } from '../runtime/steps/json-schema.js';
import { parseDisplayedNumber } from '../runtime/steps/number.js';
import type { Json } from '../store/types.js';
import { callCost, type AgentDefinition } from './definition.js';
import type { ChatMessage, ModelProvider, ToolCall } from './providers/provider.js';
import { describeTarget, refLocator, resolveTarget, snapshotEntries, type SnapshotEntry } from './targets.js';
import { act, isToolName, readText, TOOL_ARGS, TOOL_SPECS } from './tools.js';
import { fillPlaceholders, urlPattern, withPlaceholders, type ExtractField, type RecordedAction } from './trajectory.js';

/** Where the loop reports what it does (run events in the runner). */
export type AgentEventSink = (type: string, data: Record<string, Json>) => Promise<void>;

export interface AgentStats {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Steps taken from the cache without the model. */
  replayedSteps: number;
  /** The step at which a replay diverged (null: no replay, or it went to the end). */
  divergedAt: number | null;
  steps: number;
}

export interface AgentResult {
  output: Record<string, Json>;
  actions: RecordedAction[];
  stats: AgentStats;
}

export interface AgentLoopOptions {
  page: Page;
  definition: AgentDefinition;
  /** The instruction with parameters filled in. */
  instruction: string;
  params: Record<string, Json>;
  /** Created only when the model is needed: a full replay never touches it. */
  provider: () => ModelProvider;
  cached: RecordedAction[] | null;
  clock: Clock;
  signal: AbortSignal;
  emit: AgentEventSink;
}

const OBSERVATION_LIMIT = 24_000;
const EFFECT_TIMEOUT_MS = 5_000;

const SYSTEM = `You operate a web browser to carry out a task. After each action you receive an observation:
the URL, the title and an accessibility snapshot where elements carry refs like [ref=e12].
Act through the tools only, naming elements by the refs of the LATEST snapshot. Give a short reason
with every call. Read the values of output fields with \`extract\` (the value is taken from the page),
then call \`done\` with the output object; fields you extracted are filled in for you.
If the task cannot be done, call \`fail\` with the reason.`;

class Divergence extends Error {}

export class AgentLoop {
  private readonly page: Page;
  private readonly validator: JsonSchemaValidator;
  private readonly startedAt: number;
  private readonly actions: RecordedAction[] = [];
  private readonly extracted: Record<string, Json> = {};
  private readonly stats: AgentStats = { modelCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, replayedSteps: 0, divergedAt: null, steps: 0 };
  private entries = new Map<string, SnapshotEntry>();
  private corrections = 0;
  private output: Record<string, Json> | null = null;

  constructor(private readonly options: AgentLoopOptions) {
    this.page = options.page;
    this.validator = compileJsonSchema(options.definition.output as Record<string, Json>);
    this.startedAt = options.clock.now();
  }

  /** Figures so far (also after a failure: the runner records them either way). */
  get figures(): AgentStats {
    return { ...this.stats };
  }

  async run(): Promise<AgentResult> {
    if (this.options.cached) await this.replay(this.options.cached);
    if (!this.output) await this.plan();
    return { output: this.output!, actions: this.actions, stats: this.stats };
  }

  // ------------------------------------------------------------------------------------------
  // Replay

  private async replay(cached: RecordedAction[]): Promise<void> {
    const { params } = this.options;
    for (const entry of cached) {
      const step = this.actions.length;
      // The cache holds placeholders; the page shows this run's values.
      const action = fillJson(entry as unknown as Json, params) as unknown as RecordedAction;
      try {
        const here = urlPattern(this.page.url());
        if (here !== action.urlPattern) throw new Divergence(`the page is ${here}, the cache expected ${action.urlPattern}`);
        await this.group(step, action.tool, action.reason, async () => {
          if (action.tool === 'done') {
            const output = { ...((action.args.output ?? {}) as Record<string, Json>), ...this.extracted };
            const checked = this.validator.check(output);
            if (!checked.ok) throw new Divergence(`the replayed output does not match the schema: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
            this.output = checked.value as Record<string, Json>;
          } else if (action.tool === 'extract') {
            for (const field of action.fields ?? []) {
              const target = await resolveTarget(this.page, field.target);
              const value = target ? await readText(target, field.pattern) : null;
              if (value === null || value === '') throw new Divergence(`field ${field.name}: ${target ? 'no value' : `no element ${describe(field.target)}`}`);
              this.extracted[field.name] = this.coerce(field.name, value);
            }
          } else {
            const target = action.target ? await resolveTarget(this.page, action.target) : null;
            if (action.target && !target) throw new Divergence(`no element ${describe(action.target)}`);
            await act(this.page, action.tool, target, action.args);
            const expected = action.expectUrlPattern;
            const arrived = await this.page
              .waitForURL((url) => urlPattern(url.href) === expected, { timeout: EFFECT_TIMEOUT_MS, waitUntil: 'domcontentloaded' })
              .then(() => true, () => false);
            // The action happened but not its effect: record it, and let the model go on from the next step.
            if (!arrived) {
              this.actions.push({ ...entry, step, expectUrlPattern: withPlaceholders(urlPattern(this.page.url()), params) });
              throw new Divergence(`after ${action.tool} the page is ${urlPattern(this.page.url())}, the cache expected ${expected}`);
            }
          }
        });
      } catch (error) {
        if (!(error instanceof Divergence)) throw error;
        this.stats.divergedAt = this.actions.length;
        await this.options.emit('agent.cache', { status: 'diverged', step: this.actions.length, reason: error.message });
        return;
      }
      this.actions.push({ ...entry, step });
      this.stats.replayedSteps++;
      this.stats.steps++;
      await this.options.emit('agent.step', { step, tool: action.tool, source: 'cache', reason: action.reason, url: this.page.url(), ...(action.target ? { target: describe(action.target) } : {}) });
      if (this.output) return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Model loop

  private async plan(): Promise<void> {
    const { definition } = this.options;
    const provider = this.options.provider();
    const done = this.actions.length
      ? `\n\nThese steps were already taken (replayed from an earlier run):\n${this.actions.map((a) => `${a.step + 1}. ${a.tool} ${a.target ? describe(a.target) : JSON.stringify(a.args)}`).join('\n')}\nContinue from the current page.`
      : '';
    const messages: ChatMessage[] = [
      {
        role: 'user',
        content: `Task: ${this.options.instruction}\n\nOutput JSON Schema:\n${JSON.stringify(definition.output)}${done}\n\n${await this.observe()}`,
      },
    ];
    for (;;) {
      this.checkLimits();
      const started = this.options.clock.now();
      const reply = await provider.complete({ system: SYSTEM, messages, tools: TOOL_SPECS, maxTokens: definition.model.maxAnswerTokens ?? 1024 }, this.options.signal);
      const cost = callCost(definition.model.price, reply.usage.inputTokens, reply.usage.outputTokens);
      this.stats.modelCalls++;
      this.stats.inputTokens += reply.usage.inputTokens;
      this.stats.outputTokens += reply.usage.outputTokens;
      this.stats.costUsd += cost;
      await this.options.emit('agent.model_call', {
        api: provider.api,
        model: reply.model,
        inputTokens: reply.usage.inputTokens,
        outputTokens: reply.usage.outputTokens,
        costUsd: cost,
        ms: this.options.clock.now() - started,
        toolCalls: reply.toolCalls.map((c) => c.name),
        ...(reply.text ? { text: reply.text.slice(0, 2000) } : {}),
      });
      messages.push({ role: 'assistant', content: reply.text, toolCalls: reply.toolCalls });
      if (reply.toolCalls.length === 0) {
        this.countStep();
        messages.push({ role: 'user', content: 'Answer with a tool call.' });
        continue;
      }
      for (const call of reply.toolCalls) {
        const result = this.output ? 'skipped: the task is already done' : await this.execute(call);
        messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: result });
      }
      if (this.output) return;
      messages.push({ role: 'user', content: await this.observe() });
    }
  }

  private checkLimits(): void {
    const { limits } = this.options.definition;
    const tokens = this.stats.inputTokens + this.stats.outputTokens;
    if (tokens >= limits.maxTokens) throw budget(`the token budget is spent (${tokens} of ${limits.maxTokens})`);
    const elapsed = this.options.clock.now() - this.startedAt;
    if (elapsed >= limits.maxTimeMs) throw budget(`the time budget is spent (${elapsed} ms of ${limits.maxTimeMs})`);
  }

  private countStep(): void {
    const { maxSteps } = this.options.definition.limits;
    if (this.stats.steps >= maxSteps) throw budget(`the step budget is spent (${maxSteps} steps) before the task was done`);
    this.stats.steps++;
  }

  private async observe(): Promise<string> {
    const snapshot = await this.page.ariaSnapshot({ mode: 'ai', timeout: 10_000 }).catch((error: unknown) => `(no snapshot: ${(error as Error).message})`);
    this.entries = snapshotEntries(snapshot);
    const title = await this.page.title().catch(() => '');
    const text = `URL: ${this.page.url()}\nTitle: ${title}\nSnapshot:\n${snapshot}`;
    return text.length > OBSERVATION_LIMIT ? `${text.slice(0, OBSERVATION_LIMIT)}\n(snapshot truncated)` : text;
  }

  /** Runs one tool call; problems go back to the model as the tool's result. */
  private async execute(call: ToolCall): Promise<string> {
    if (!isToolName(call.name)) return `error: unknown tool ${JSON.stringify(call.name)}`;
    const tool = call.name;
    const parsed = TOOL_ARGS[tool].safeParse(call.arguments);
    if (!parsed.success) return `error: invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
    const args = parsed.data as Record<string, unknown> & { reason: string };
    if (tool === 'fail') throw new RunFailure(`the agent gave up: ${args.reason}`, { kind: 'agent.gave_up', retryable: false });
    if (tool !== 'done') this.countStep();
    const step = this.actions.length;
    const params = this.options.params;
    const before = withPlaceholders(urlPattern(this.page.url()), params);
    await this.options.emit('agent.step', { step, tool, source: 'model', reason: args.reason, url: this.page.url(), args: toJson(call.arguments) });
    try {
      return await this.group(step, tool, args.reason, async () => {
        if (tool === 'done') return this.finish(step, before, args);
        if (tool === 'extract') {
          const fields: ExtractField[] = [];
          const values: Record<string, Json> = {};
          for (const field of args.fields as Array<{ name: string; ref: string; pattern?: string }>) {
            const { target, locator } = await this.targetOf(field.ref);
            const text = await readText(locator, field.pattern);
            if (text === null || text === '') return `error: field ${field.name}: the element ${field.ref} has no matching text`;
            values[field.name] = this.coerce(field.name, text);
            fields.push({ name: field.name, target, ...(field.pattern ? { pattern: field.pattern } : {}) });
          }
          Object.assign(this.extracted, values);
          this.record({ step, tool: 'extract', urlPattern: before, fields, args: {}, expectUrlPattern: before, reason: args.reason });
          return `extracted ${JSON.stringify(values)}`;
        }
        const { ref, reason: _reason, ...rest } = args as Record<string, unknown>;
        const resolved = typeof ref === 'string' ? await this.targetOf(ref) : null;
        const result = await act(this.page, tool, resolved?.locator ?? null, rest);
        this.record({
          step,
          tool,
          urlPattern: before,
          ...(resolved ? { target: resolved.target } : {}),
          args: toJson(rest) as Record<string, Json>,
          expectUrlPattern: withPlaceholders(urlPattern(this.page.url()), params),
          reason: args.reason,
        });
        return result;
      });
    } catch (error) {
      if (error instanceof RunFailure || this.options.signal.aborted) throw error;
      return `error: ${(error as Error).message.split('\n')[0]}`;
    }
  }

  private finish(step: number, before: string, args: Record<string, unknown>): string {
    const given = (args.output ?? {}) as Record<string, Json>;
    const checked = this.validator.check({ ...given, ...this.extracted });
    if (!checked.ok) {
      this.corrections++;
      const issues = checked.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
      if (this.corrections > this.options.definition.limits.maxCorrections) {
        throw new RunFailure(`the agent's output still violates the schema after ${this.options.definition.limits.maxCorrections} corrections: ${issues}`, {
          kind: 'agent.output',
          retryable: false,
          details: { output: toJson({ ...given, ...this.extracted }) },
        });
      }
      return `error: the output does not match the schema (${issues}). Fix it and call done again.`;
    }
    const constants = Object.fromEntries(Object.entries(given).filter(([key]) => !(key in this.extracted)));
    this.record({ step, tool: 'done', urlPattern: before, args: { output: constants }, expectUrlPattern: before, reason: String(args.reason) });
    this.output = checked.value as Record<string, Json>;
    return 'done';
  }

  /** Keeps an action in its cached form: parameter values replaced by placeholders. */
  private record(action: RecordedAction): void {
    this.actions.push(fillJsonPlaceholders(action as unknown as Json, this.options.params) as unknown as RecordedAction);
  }

  private async targetOf(ref: string) {
    const entry = this.entries.get(ref);
    if (!entry) throw new Error(`no element ${ref} in the latest snapshot`);
    const locator = refLocator(this.page, ref);
    return { locator, target: await describeTarget(locator, entry) };
  }

  /** Numbers in the output schema are read the way the page shows them ("€1,299.00"). */
  private coerce(field: string, text: string): Json {
    const properties = (this.options.definition.output.properties ?? {}) as Record<string, { type?: unknown }>;
    const type = properties[field]?.type;
    if (type === 'number' || type === 'integer') return parseDisplayedNumber(text) ?? text;
    return text;
  }

  /** Each step is a group in the session's trace, titled with the model's reason. */
  private async group<T>(step: number, tool: string, reason: string, body: () => Promise<T>): Promise<T> {
    const tracing = this.page.context().tracing;
    const opened = await tracing.group(`step ${step + 1}: ${tool} — ${reason}`).then(() => true, () => false);
    try {
      return await body();
    } finally {
      if (opened) await tracing.groupEnd().catch(() => undefined);
    }
  }
}

function budget(message: string): RunFailure {
  return new RunFailure(message, { kind: 'agent.budget', retryable: false });
}

function describe(target: { role: string; name: string }): string {
  return `${target.role} ${JSON.stringify(target.name)}`;
}

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}

/** Parameter values inside JSON strings become placeholders (recording). */
function fillJsonPlaceholders(value: Json, params: Record<string, Json>): Json {
  if (typeof value === 'string') return withPlaceholders(value, params);
  if (Array.isArray(value)) return value.map((v) => fillJsonPlaceholders(v, params));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJsonPlaceholders(v, params)]));
  return value;
}

/** Placeholders inside JSON strings become parameter values (replay). */
function fillJson(value: Json, params: Record<string, Json>): Json {
  if (typeof value === 'string') return fillPlaceholders(value, params);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, params));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, params)]));
  return value;
}
