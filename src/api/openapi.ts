/**
 * The OpenAPI 3.1 document, generated from the endpoints the router registered and their zod
 * schemas (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses). Schemas with an `id`
 * become components; zod's `#/$defs/X` references are rewritten to `#/components/schemas/X`.
 * A small adapter of our own rather than a plugin: it is the same table the server validates
 * with, so the document cannot describe a route differently from how it behaves.
 */
import { z } from 'zod';
import { Problem, type Endpoint } from './schemas.js';

type JsonSchema = Record<string, unknown>;

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
    const { $schema: _ignored, $defs, ...rest } = json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      // zod names unnamed reused schemas __schema0, __schema1… per conversion: the same name could
      // mean different schemas in two endpoints. Reused schemas must carry an id.
      if (id.startsWith('__schema')) throw new Error(`a schema reused inside one endpoint has no id: give it .meta({ id }) (${JSON.stringify(def).slice(0, 120)})`);
      this.components[id] ??= rewriteRefs(def) as JsonSchema;
    }
    return rewriteRefs(rest) as JsonSchema;
  }
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parameters(collector: SchemaCollector, schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): unknown[] {
  if (!schema) return [];
  const json = collector.convert(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

const ROLE_TEXT = { viewer: 'any key (viewer, operator or admin)', operator: 'an operator or admin key', admin: 'an admin key' } as const;

export function buildOpenApiDocument(endpoints: readonly Endpoint[], info: { version: string }): Record<string, unknown> {
  const collector = new SchemaCollector();
  const problemRef = { $ref: '#/components/schemas/Problem' };
  collector.convert(Problem, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const responses: Record<string, unknown> = {};
    const success = e.response ? { content: { [e.contentType ?? 'application/json']: { schema: collector.convert(e.response, 'output') } } } : {};
    responses[String(e.status)] = { description: e.contentType ? `${e.summary} (${e.contentType})` : 'success', ...success };
    for (const status of e.alsoStatus ?? []) responses[String(status)] = { description: status === 200 ? 'nothing new: the existing result' : 'created', ...success };
    const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemRef } } });
    if (e.params || e.query || e.body || e.headers) responses['400'] = problem('invalid request: `errors` lists each invalid field');
    if (e.role !== null) {
      responses['401'] = problem('missing, unknown or revoked API key');
      responses['403'] = problem('the key\'s role is not enough');
      responses['429'] = problem('rate limit of the key exceeded (see Retry-After)');
    }
    if (e.params) responses['404'] = problem('no such id in the caller\'s organisation');
    if (e.method !== 'GET') responses['409'] = problem('conflict with the current state');
    if (e.method === 'POST' || e.method === 'PATCH' || e.method === 'PUT') responses['422'] = problem('a limit of the organisation\'s tier (`limit`, `value`)');
    const operation: Record<string, unknown> = {
      operationId: operationIdOf(e),
      summary: e.summary,
      tags: [e.tag],
      ...(e.role !== null ? { description: `Needs ${ROLE_TEXT[e.role]}.`, security: [{ bearer: [] }] } : { security: [] }),
      parameters: [...parameters(collector, e.params, 'path'), ...parameters(collector, e.query, 'query'), ...parameters(collector, e.headers, 'header')],
      ...(e.body ? { requestBody: { required: false, content: { 'application/json': { schema: collector.convert(e.body, 'input') } } } } : {}),
      responses,
    };
    (paths[openApiPath(e.path)] ??= {})[e.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'agentcron API',
      version: info.version,
      description: 'Run browser agents on schedules, reliably. Errors are RFC 9457 problem details (application/problem+json).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: collector.components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key: ac_<prefix>_<secret>' } },
    },
  };
}

/** The endpoint's name, or one made from its method and path (`getRunsByIdArtifacts`). */
function operationIdOf(e: Endpoint): string {
  if (e.name) return e.name;
  return `${e.method.toLowerCase()}${e.path.replace(/^\/v1/, '').split('/').filter(Boolean).map((p) => (p.startsWith(':') ? `By${p[1]!.toUpperCase()}${p.slice(2)}` : p[0]!.toUpperCase() + p.slice(1))).join('')}`;
}
