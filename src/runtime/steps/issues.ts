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

export function toIssues(issues: readonly z.core.$ZodIssue[], root?: string): Issue[] {
  return issues.map((issue) => ({ path: formatPath(issue.path, root), message: issueMessage(issue) }));
}
