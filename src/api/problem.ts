/**
 * RFC 9457 problem details: every error the API sends is `application/problem+json` with a
 * stable `type`, and validation problems list each invalid field's path in `errors`.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { SecretDecryptError, SecretKeyError } from '../config/secrets.js';
import { LimitExceededError } from '../policy/limits.js';
import { SpecError } from '../spec/index.js';
import { ConflictError, NotFoundError } from '../store/store.js';
import type { Problem } from './schemas.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://agentcron.dev/problems/';

export interface FieldError {
  path: string;
  message: string;
}

/** An error that is already a problem: throw it from a handler. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
  }
}

export function problem(status: number, slug: string, title: string, detail?: string, extra: Partial<Problem> = {}): ProblemError {
  return new ProblemError({ type: `${TYPE_BASE}${slug}`, title, status, ...(detail !== undefined ? { detail } : {}), ...extra });
}

export function validationProblem(errors: FieldError[]): ProblemError {
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return problem(400, 'validation', 'The request is invalid', detail, { errors });
}

export function notFound(entity: string, id: string): ProblemError {
  return problem(404, 'not-found', 'Not found', `${entity} ${JSON.stringify(id)} not found`);
}

/** `a.b[0].c` from a zod issue path, prefixed with where the value came from (body, query, params). */
export function fieldPath(location: string, path: readonly PropertyKey[]): string {
  let out = location;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

export function zodFieldErrors(location: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { path: fieldPath(location, [...issue.path, issue.keys[0] ?? '']), message: `unknown field${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}` };
    }
    return { path: fieldPath(location, issue.path), message: issue.message };
  });
}

/** Maps anything thrown by a handler (or by Fastify) to a problem. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  if (error instanceof NotFoundError) return notFound(error.entity, error.id).problem;
  if (error instanceof ConflictError) return problem(409, 'conflict', 'Conflict', error.message).problem;
  if (error instanceof LimitExceededError) {
    return problem(422, 'limit-exceeded', `Limit exceeded: ${error.limit}`, error.message, { limit: error.limit, value: error.value }).problem;
  }
  if (error instanceof SpecError) return validationProblem([{ path: fieldPath('body.spec', [error.field]), message: error.message }]).problem;
  if (error instanceof SecretKeyError) return problem(503, 'secrets-unavailable', 'Secrets are not configured', error.message).problem;
  if (error instanceof SecretDecryptError) return problem(500, 'secret-unreadable', 'A secret cannot be read', error.message).problem;
  if (error instanceof RangeError) return problem(400, 'invalid-range', 'The request is invalid', error.message).problem;
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
    return problem(fastifyError.statusCode, 'bad-request', 'Bad request', fastifyError.message ?? String(error)).problem;
  }
  return problem(500, 'internal', 'Internal error', 'the server failed to answer; the error is in its log').problem;
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}
