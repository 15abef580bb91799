/**
 * JSON Schema checks for a template's params and output. zod (already our validator) converts a
 * JSON Schema into a zod schema, which keeps one validation library in the project and gives
 * issues with paths (`items[0].sku`) that we can show as is.
 */
import { z } from 'zod';
import type { Json } from '../../store/types.js';
import { toIssues, type Issue } from './issues.js';

export interface JsonSchemaValidator {
  /** The value with schema defaults applied, or the problems found, each naming its path. */
  check(value: Json): { ok: true; value: Json } | { ok: false; issues: Issue[] };
}

export function compileJsonSchema(schema: Record<string, Json>): JsonSchemaValidator {
  const compiled = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  return {
    check(value) {
      const result = compiled.safeParse(value);
      if (result.success) return { ok: true, value: result.data as Json };
      return {
        ok: false,
        issues: toIssues(result.error.issues, undefined, value),
      };
    },
  };
}
