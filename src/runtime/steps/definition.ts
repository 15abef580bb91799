/**
 * The `steps` template language: its shape (zod) and the parsed form the interpreter runs.
 * Reference with an example per step kind: docs/steps.md.
 */
import { z } from 'zod';
import { parseDuration } from '../../spec/duration.js';
import { SpecError } from '../../spec/errors.js';
import type { Json } from '../../store/types.js';
import { RunFailure } from '../failure.js';
import { issueMessage, toIssues, type Issue } from './issues.js';
import { compileJsonSchema, type JsonSchemaValidator } from './json-schema.js';

export const DEFAULT_STEP_TIMEOUT_MS = 10_000;

export const STEP_KINDS = [
  'goto', 'click', 'fill', 'press', 'select', 'check', 'hover', 'scroll', 'wait',
  'extract', 'screenshot', 'assert', 'set', 'if', 'each',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface GotoSpec { url: string; waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit' }
export interface ClickSpec { selector: string; button?: 'left' | 'right' | 'middle'; clickCount?: number }
export interface FillSpec { selector: string; value: string | number }
export interface PressSpec { key: string; selector?: string }
export interface SelectSpec { selector: string; value?: string | string[]; label?: string | string[] }
export interface CheckSpec { selector: string; checked: boolean }
export interface HoverSpec { selector: string }
export interface ScrollSpec { selector?: string; to?: 'top' | 'bottom'; by?: number }
export interface WaitSpec {
  selector?: string;
  state?: 'attached' | 'detached' | 'visible' | 'hidden';
  text?: string;
  url?: string;
  timeMs?: number;
}
export interface FieldSpec {
  /** Within a row: absent means the row element itself. */
  selector?: string;
  attribute?: string;
  type: 'text' | 'number';
  /** Decimal separator for `number`, when the page's locale makes it ambiguous. */
  decimal?: '.' | ',';
  /** Every match as a list instead of the first one. */
  all: boolean;
  /** A missing element yields null instead of failing the step. */
  optional: boolean;
}
export interface ListSpec { rows: string; fields: Record<string, FieldSpec> }
export type ExtractSpec = Record<string, FieldSpec | ListSpec>;
export interface ScreenshotSpec { name?: string; selector?: string; fullPage: boolean; mask: string[] }
export type AssertSpec =
  | { text: string; selector?: string; message?: string }
  | { exists: string; message?: string }
  | { count: { selector: string; equals?: number; min?: number; max?: number }; message?: string }
  | { url: { equals?: string; contains?: string; matches?: string }; message?: string };
export interface SetSpec { vars: Record<string, Json>; state: Record<string, Json> }
export type Condition =
  | { exists: string }
  | { text: { contains: string; selector?: string } }
  | { var: string; equals: Json }
  /** A number, or a placeholder that interpolates to one. */
  | { var: string; above: number | string }
  | { var: string; below: number | string };
export type IfSpec = Condition & { then: Step[]; else: Step[] };
export interface EachSpec { over: Json; steps: Step[]; collect?: string; max?: number }

interface StepBase { timeoutMs?: number; label?: string }
export type Step = StepBase & (
  | { kind: 'goto'; spec: GotoSpec }
  | { kind: 'click'; spec: ClickSpec }
  | { kind: 'fill'; spec: FillSpec }
  | { kind: 'press'; spec: PressSpec }
  | { kind: 'select'; spec: SelectSpec }
  | { kind: 'check'; spec: CheckSpec }
  | { kind: 'hover'; spec: HoverSpec }
  | { kind: 'scroll'; spec: ScrollSpec }
  | { kind: 'wait'; spec: WaitSpec }
  | { kind: 'extract'; spec: ExtractSpec }
  | { kind: 'screenshot'; spec: ScreenshotSpec }
  | { kind: 'assert'; spec: AssertSpec }
  | { kind: 'set'; spec: SetSpec }
  | { kind: 'if'; spec: IfSpec }
  | { kind: 'each'; spec: EachSpec }
);

export interface StepsDefinition {
  defaults: { timeoutMs: number };
  steps: Step[];
  /** Interpolated at the end into the run's output; absent means every variable. */
  output?: Json;
  /** Template state keys the steps read, with their values before any run has written them. */
  stateDefaults: Record<string, Json>;
  schema: { params?: JsonSchemaValidator; output?: JsonSchemaValidator };
}

/** A definition that cannot run; `issues` carry the path of each problem. Never worth a retry. */
export class StepsDefinitionError extends RunFailure {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super(`invalid steps definition:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, {
      kind: 'definition',
      retryable: false,
      details: { issues: issues as unknown as Json },
    });
    this.name = 'StepsDefinitionError';
    this.issues = issues;
  }
}

// ---- the schema ---------------------------------------------------------------------------

/** Re-reports issues of a nested parse (with their paths) from inside a transform. */
function forward(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): never {
  for (const issue of issues) {
    ctx.addIssue({ code: 'custom', path: [...prefix, ...issue.path], message: issueMessage(issue) });
  }
  return z.NEVER;
}

const text = z.string().min(1, 'must not be empty');
const json: z.ZodType<Json> = z.json() as z.ZodType<Json>;

const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseDuration(value, 'duration');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof SpecError ? error.message.replace(/^duration: /, '') : String(error) });
    return z.NEVER;
  }
});

/** `kind: "#sel"` is shorthand for `kind: { <key>: "#sel" }`. */
function shorthand<T extends z.ZodType>(key: string, schema: T) {
  return z.preprocess((value) => (typeof value === 'string' ? { [key]: value } : value), schema);
}

const gotoSpec = shorthand('url', z.strictObject({
  url: text,
  waitUntil: z.enum(['load', 'domcontentloaded', 'networkidle', 'commit']).optional(),
}));
const selectorOnly = shorthand('selector', z.strictObject({ selector: text }));
const clickSpec = shorthand('selector', z.strictObject({
  selector: text,
  button: z.enum(['left', 'right', 'middle']).optional(),
  clickCount: z.number().int().positive().optional(),
}));
const fillSpec = z.strictObject({
  selector: text,
  value: z.union([z.string(), z.number()], { error: (iss) => (iss.input === undefined ? 'required' : 'expected a string or a number') }),
});
const pressSpec = shorthand('key', z.strictObject({ key: text, selector: text.optional() }));
const stringOrList = z.union([z.string(), z.array(z.string())]);
const selectSpec = z.strictObject({ selector: text, value: stringOrList.optional(), label: stringOrList.optional() })
  .refine((s) => (s.value === undefined) !== (s.label === undefined), { message: 'give exactly one of value, label' });
const checkSpec = shorthand('selector', z.strictObject({ selector: text, checked: z.boolean().default(true) }));
const scrollSpec = shorthand('selector', z.strictObject({
  selector: text.optional(),
  to: z.enum(['top', 'bottom']).optional(),
  by: z.number().int().optional(),
})).refine((s) => [s.selector, s.to, s.by].filter((v) => v !== undefined).length === 1, {
  message: 'give exactly one of selector, to, by',
});
const waitSpec = z.strictObject({
  selector: text.optional(),
  state: z.enum(['attached', 'detached', 'visible', 'hidden']).optional(),
  text: text.optional(),
  url: text.optional(),
  time: duration.optional(),
}).refine((s) => [s.selector, s.text, s.url, s.time].filter((v) => v !== undefined).length === 1, {
  message: 'give exactly one of selector, text, url, time',
}).refine((s) => s.state === undefined || s.selector !== undefined, { message: 'state applies to a selector wait only' })
  .transform(({ time, ...rest }): WaitSpec => ({ ...rest, ...(time === undefined ? {} : { timeMs: time }) }));

const fieldObject = z.strictObject({
  selector: text.optional(),
  attribute: text.optional(),
  type: z.enum(['text', 'number']).default('text'),
  decimal: z.enum(['.', ',']).optional(),
  all: z.boolean().default(false),
  optional: z.boolean().default(false),
});
const rowField = shorthand('selector', fieldObject);
const topField = shorthand('selector', fieldObject.extend({ selector: text }));
const listSpec = z.strictObject({ rows: text, fields: z.record(z.string(), rowField) })
  .refine((l) => Object.keys(l.fields).length > 0, { message: 'fields: name at least one field', path: ['fields'] });
const extractEntry = z.unknown().transform((value, ctx) => {
  const isList = value !== null && typeof value === 'object' && 'rows' in value;
  const parsed = (isList ? listSpec : topField).safeParse(value);
  if (!parsed.success) return forward(ctx, parsed.error.issues);
  return parsed.data as FieldSpec | ListSpec;
});
const extractSpec = z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'a variable name: letters, digits and _'), extractEntry)
  .refine((e) => Object.keys(e).length > 0, { message: 'name at least one field' });

const message = text.optional();
const assertSpec = z.union([
  z.strictObject({ text: z.string(), selector: text.optional(), message }),
  z.strictObject({ exists: text, message }),
  z.strictObject({
    count: z.strictObject({ selector: text, equals: z.number().int().optional(), min: z.number().int().optional(), max: z.number().int().optional() })
      .refine((c) => c.equals !== undefined || c.min !== undefined || c.max !== undefined, { message: 'give equals, min or max' }),
    message,
  }),
  z.strictObject({
    url: shorthand('contains', z.strictObject({ equals: text.optional(), contains: text.optional(), matches: text.optional() }))
      .refine((u) => [u.equals, u.contains, u.matches].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of equals, contains, matches' }),
    message,
  }),
], { error: () => 'expected one of text, exists, count, url (with an optional message)' });

const setSpec = z.strictObject({
  vars: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'a variable name: letters, digits and _'), json).default({}),
  state: z.record(text, json).default({}),
}).refine((s) => Object.keys(s.vars).length + Object.keys(s.state).length > 0, { message: 'set nothing: give vars or state' });

const stepList: z.ZodType<Step[], unknown> = z.lazy(() => z.array(step));
const condition = z.union([
  z.object({ exists: text }),
  z.object({ text: shorthand('contains', z.strictObject({ contains: z.string(), selector: text.optional() })) }),
  z.object({ var: text, equals: json }),
  z.object({ var: text, above: z.union([z.number(), text]) }),
  z.object({ var: text, below: z.union([z.number(), text]) }),
]);
const ifSpec = z.looseObject({ then: stepList.default([]), else: stepList.default([]) }).superRefine((value, ctx) => {
  const keys = Object.keys(value).filter((k) => k !== 'then' && k !== 'else');
  const shape = keys.sort().join(',');
  if (!['exists', 'text', 'equals,var', 'above,var', 'below,var'].includes(shape)) {
    ctx.addIssue({ code: 'custom', message: `condition: give one of exists, text, or var with equals, above or below (got ${keys.join(', ') || 'none'})` });
    return;
  }
  const parsed = condition.safeParse(value);
  if (!parsed.success) forward(ctx, parsed.error.issues);
}) as unknown as z.ZodType<IfSpec, unknown>;
const eachSpec = z.strictObject({
  over: json,
  steps: stepList,
  collect: z.string().regex(/^[A-Za-z_]\w*$/, 'a variable name: letters, digits and _').optional(),
  max: z.number().int().positive().optional(),
});

const KIND_SCHEMAS: Record<StepKind, z.ZodType<unknown, unknown>> = {
  goto: gotoSpec, click: clickSpec, fill: fillSpec, press: pressSpec, select: selectSpec,
  check: checkSpec, hover: selectorOnly, scroll: scrollSpec, wait: waitSpec, extract: extractSpec,
  screenshot: shorthand('name', z.strictObject({
    name: z.string().regex(/^[\w.-]+$/, 'a file name: letters, digits, _ . -').optional(),
    selector: text.optional(),
    fullPage: z.boolean().default(false),
    mask: z.array(text).default([]),
  })),
  assert: assertSpec, set: setSpec, if: ifSpec, each: eachSpec,
};
const COMMON_KEYS = new Set(['timeout', 'name']);

/** A step is an object with exactly one kind key, plus optional `timeout` and `name`. */
const step: z.ZodType<Step, unknown> = z.unknown().transform((value, ctx): Step => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: `expected a step object such as { click: "#buy" }` });
    return z.NEVER;
  }
  const record = value as Record<string, unknown>;
  const kinds = Object.keys(record).filter((k) => !COMMON_KEYS.has(k));
  const unknown = kinds.filter((k) => !(STEP_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    ctx.addIssue({ code: 'custom', path: [unknown[0]!], message: `unknown step kind; expected one of ${STEP_KINDS.join(', ')}` });
    return z.NEVER;
  }
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', message: kinds.length === 0 ? 'no step kind given' : `one kind per step, got ${kinds.join(' and ')}` });
    return z.NEVER;
  }
  const kind = kinds[0] as StepKind;
  let ok = true;
  const spec = KIND_SCHEMAS[kind].safeParse(record[kind]);
  if (!spec.success) {
    ok = false;
    forward(ctx, spec.error.issues, [kind]);
  }
  const common = z.strictObject({ timeout: duration.optional(), name: text.optional() }).safeParse({ timeout: record.timeout, name: record.name });
  if (!common.success) {
    ok = false;
    forward(ctx, common.error.issues);
  }
  if (!ok || !spec.success || !common.success) return z.NEVER;
  return {
    kind,
    spec: spec.data,
    ...(common.data.timeout === undefined ? {} : { timeoutMs: common.data.timeout }),
    ...(common.data.name === undefined ? {} : { label: common.data.name }),
  } as Step;
});

const definitionSchema = z.strictObject({
  kind: z.literal('steps').optional(),
  defaults: z.strictObject({ timeout: duration.optional() }).default({}),
  steps: z.array(step).min(1, 'give at least one step'),
  output: json.optional(),
  state: z.record(text, json).default({}),
  schema: z.strictObject({ params: z.record(z.string(), json).optional(), output: z.record(z.string(), json).optional() }).default({}),
});

export function parseStepsDefinition(definition: Json): StepsDefinition {
  const parsed = definitionSchema.safeParse(definition);
  if (!parsed.success) {
    throw new StepsDefinitionError(toIssues(parsed.error.issues, '(definition)', definition));
  }
  const { defaults, steps, output, state, schema } = parsed.data;
  const compiled: StepsDefinition['schema'] = {};
  const schemaIssues: Issue[] = [];
  for (const which of ['params', 'output'] as const) {
    const source = schema[which];
    if (source === undefined) continue;
    try {
      compiled[which] = compileJsonSchema(source);
    } catch (error) {
      schemaIssues.push({ path: `schema.${which}`, message: `not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  if (schemaIssues.length > 0) throw new StepsDefinitionError(schemaIssues);
  return {
    defaults: { timeoutMs: defaults.timeout ?? DEFAULT_STEP_TIMEOUT_MS },
    steps,
    ...(output === undefined ? {} : { output }),
    stateDefaults: state,
    schema: compiled,
  };
}
