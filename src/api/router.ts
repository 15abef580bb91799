/**
 * Registers endpoints of the contract (schemas.ts) with Fastify: parses params, query and body
 * with the endpoint's zod schemas (problem+json with field paths on failure), checks the
 * caller's role, and records the endpoint for the OpenAPI document. Routes added by later
 * capabilities (run artifacts, replays) use `add` with their own Endpoint and appear in
 * /openapi.json like the rest.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Role } from '../store/types.js';
import { roleAllows } from './keys.js';
import { problem, validationProblem, zodFieldErrors, type FieldError } from './problem.js';
import { endpoints, type Endpoint, type EndpointName, type ParsedRequestOf, type ResponseOf } from './schemas.js';

/** Who is calling: set by the authentication hook for every /v1 request. */
export interface Caller {
  keyId: string;
  orgId: string;
  role: Role;
  tier: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export interface HandlerContext {
  caller: Caller;
  request: FastifyRequest;
  reply: FastifyReply;
}

type Parsed = { params: unknown; query: unknown; body: unknown };
/** A handler returns the response body, or the reply when it sent something itself (streams). */
type AnyHandler = (input: Parsed, ctx: HandlerContext) => Promise<unknown>;

function parsePart(schema: z.ZodType | undefined, value: unknown, location: string, errors: FieldError[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  errors.push(...zodFieldErrors(location, result.error));
  return undefined;
}

export class ApiRouter {
  readonly registered: Endpoint[] = [];

  constructor(
    private readonly app: FastifyInstance,
    /** Parse every response with its schema too (tests): a handler that drifts from the contract fails loudly. */
    private readonly validateResponses = false,
  ) {}

  route<N extends EndpointName>(
    name: N,
    handler: (input: ParsedRequestOf<N>, ctx: HandlerContext) => Promise<ResponseOf<N> | FastifyReply>,
  ): void {
    this.add({ ...endpoints[name], name }, handler as AnyHandler);
  }

  add(endpoint: Endpoint, handler: AnyHandler): void {
    this.registered.push(endpoint);
    this.app.route({
      method: endpoint.method,
      url: endpoint.path,
      handler: async (request, reply) => {
        const caller = request.caller;
        if (endpoint.role !== null) {
          if (!caller) throw problem(401, 'unauthorized', 'Unauthorized', 'send an API key as Authorization: Bearer ac_…');
          if (!roleAllows(caller.role, endpoint.role)) {
            throw problem(403, 'forbidden', 'Forbidden', `${endpoint.method} ${endpoint.path} needs the ${endpoint.role} role; this key has ${caller.role}`);
          }
        }
        const errors: FieldError[] = [];
        const input: Parsed = {
          params: parsePart(endpoint.params, request.params, 'params', errors),
          query: parsePart(endpoint.query, request.query ?? {}, 'query', errors),
          // A POST without a body means "no options".
          body: parsePart(endpoint.body, request.body ?? {}, 'body', errors),
        };
        if (errors.length > 0) throw validationProblem(errors);
        reply.code(endpoint.status);
        const result = await handler(input, { caller: caller!, request, reply });
        if (result === reply || reply.sent) return reply;
        if (endpoint.status === 204 || endpoint.response === null) return reply.send();
        if (this.validateResponses) {
          const checked = endpoint.response.safeParse(result);
          if (!checked.success) throw new Error(`response of ${endpoint.method} ${endpoint.path} breaks its schema: ${checked.error.message}`);
        }
        return reply.send(result);
      },
    });
  }
}
