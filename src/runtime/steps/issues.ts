import type { z } from 'zod';

/** A problem in a definition, params or output, named by its path. */
export interface Issue { path: string; message: string }

/** `["steps", 3, "click", "selector"]` -> `steps[3].click.selector`. */
export function formatPath(path: readonly PropertyKey[], root = '(root)'): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || root;
}

/** zod's message, shortened where a reader wants one word ("required"). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'required';
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return issue.message;
}

/**
 * Issues with their paths; with `input`, a wrong scalar value is quoted after the message
 * (`… (got "money")`) unless the message already shows it.
 */
export function toIssues(issues: readonly z.core.$ZodIssue[], root?: string, input?: unknown): Issue[] {
  return issues.map((issue) => {
    let message = issueMessage(issue);
    const value = input === undefined ? undefined : valueAt(input, issue.path);
    if (value !== undefined && (value === null || typeof value !== 'object')) {
      const shown = JSON.stringify(value);
      const short = shown.length > 60 ? `${shown.slice(0, 57)}…` : shown;
      if (!message.includes(shown)) message += ` (got ${short})`;
    }
    return { path: formatPath(issue.path, root), message };
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key as string];
  }
  return current;
}
