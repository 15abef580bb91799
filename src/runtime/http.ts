import { z } from 'zod';
import type { Json } from '../store/types.js';
import { RunFailure } from './failure.js';
import { interpolate } from './interpolate.js';
import type { AttemptContext, TemplateRunner } from './runner.js';
import { parseDuration } from '../spec/duration.js';

/**
 * The `http` template kind: one request, assertions on the answer, extracted fields as output.
 * It lets the engine be used (health checks, API syncs) and tested without a browser.
 */
const Extract = z.union([
  z.object({ json: z.string().min(1) }).strict(),
  z.object({ header: z.string().min(1) }).strict(),
  z.object({ regex: z.string().min(1), group: z.number().int().min(0).default(1) }).strict(),
]);

export const HttpTemplateSchema = z
  .object({
    request: z
      .object({
        method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
        url: z.string().min(1),
        headers: z.record(z.string(), z.string()).default({}),
        body: z.json().optional(),
        timeout: z.string().default('30s'),
      })
      .strict(),
    assert: z
      .object({
        status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
        bodyContains: z.string().optional(),
        json: z.record(z.string(), z.json()).optional(),
      })
      .strict()
      .default({}),
    extract: z.record(z.string(), Extract).default({}),
  })
  .strict();

export type HttpTemplate = z.infer<typeof HttpTemplateSchema>;

/** Statuses that say "try later" rather than "this will never work". */
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export class HttpRunner implements TemplateRunner {
  readonly kind = 'http' as const;

  validate(definition: Json): void {
    const t = HttpTemplateSchema.parse(definition);
    parseDuration(t.request.timeout);
    for (const [name, rule] of Object.entries(t.extract)) {
      if ('regex' in rule) {
        try {
          new RegExp(rule.regex);
        } catch (e) {
          throw new Error(`extract.${name}.regex: ${(e as Error).message}`, { cause: e });
        }
      }
    }
  }

  async run(definition: Json, ctx: AttemptContext): Promise<Json> {
    const template = HttpTemplateSchema.parse(interpolate(definition, { params: ctx.params }));
    const { request } = template;
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: {
          ...(request.body !== undefined && typeof request.body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        body: request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(parseDuration(request.timeout))]),
      });
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new RunFailure(
        timedOut ? `${request.method} ${request.url}: no response within ${request.timeout}` : `${request.method} ${request.url}: ${describeFetchError(error)}`,
        { kind: timedOut ? 'http.timeout' : 'http.network', retryable: true, cause: error },
      );
    }
    const body = await response.text();
    const latencyMs = Math.round(performance.now() - started);
    ctx.log.debug({ status: response.status, latencyMs }, 'http response');

    const expected = template.assert.status;
    const statusOk = expected === undefined ? response.ok : ([] as number[]).concat(expected).includes(response.status);
    if (!statusOk) {
      throw new RunFailure(
        `${request.method} ${request.url}: status ${response.status}, expected ${expected === undefined ? '2xx' : JSON.stringify(expected)}`,
        { kind: 'http.status', retryable: TRANSIENT_STATUS.has(response.status), details: { status: response.status, body: body.slice(0, 500) } },
      );
    }
    if (template.assert.bodyContains !== undefined && !body.includes(template.assert.bodyContains)) {
      throw new RunFailure(`response body does not contain ${JSON.stringify(template.assert.bodyContains)}`, {
        kind: 'assertion',
        retryable: false,
        details: { body: body.slice(0, 500) },
      });
    }
    const json = template.assert.json || Object.values(template.extract).some((r) => 'json' in r) ? parseJsonBody(body) : undefined;
    for (const [path, want] of Object.entries(template.assert.json ?? {})) {
      const got = jsonPath(json, path);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new RunFailure(`JSON ${path} is ${JSON.stringify(got) ?? 'missing'}, expected ${JSON.stringify(want)}`, {
          kind: 'assertion',
          retryable: false,
        });
      }
    }
    const output: { [key: string]: Json } = { status: response.status, latencyMs };
    for (const [name, rule] of Object.entries(template.extract)) {
      if ('json' in rule) output[name] = jsonPath(json, rule.json) ?? null;
      else if ('header' in rule) output[name] = response.headers.get(rule.header);
      else output[name] = new RegExp(rule.regex).exec(body)?.[rule.group] ?? null;
    }
    return output;
  }
}

function parseJsonBody(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch {
    throw new RunFailure(`response body is not JSON: ${body.slice(0, 120)}`, { kind: 'assertion', retryable: false });
  }
}

/** `a.b[0].c` style paths: enough for extracting fields without a JSONPath dependency. */
export function jsonPath(value: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = value;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(part)] : current[part];
  }
  return current;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
