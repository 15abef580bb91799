import type { Json, TemplateKind } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { fieldPath, notFound, problem, validationProblem, type FieldError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { templateView } from '../views.js';

/** Runs the kind's own validation, so a bad template fails when stored, not at 3 a.m. */
export function validateDefinition(ctx: ApiContext, kind: TemplateKind, definition: Json): void {
  const runner = ctx.runners.find((r) => r.kind === kind);
  if (!runner) {
    throw validationProblem([{ path: 'body.kind', message: `template kind ${kind} is not available on this server (available: ${ctx.runners.map((r) => r.kind).join(', ')})` }]);
  }
  try {
    runner.validate(definition);
  } catch (error) {
    throw validationProblem(definitionErrors(error));
  }
}

function definitionErrors(error: unknown): FieldError[] {
  if (error && typeof error === 'object' && 'issues' in error && Array.isArray(error.issues)) {
    return (error.issues as Array<{ path: PropertyKey[]; message: string }>).map((i) => ({ path: fieldPath('body.definition', i.path), message: i.message }));
  }
  return [{ path: 'body.definition', message: error instanceof Error ? error.message : String(error) }];
}

export function templateRoutes(router: ApiRouter, ctx: ApiContext): void {
  const { store, clock } = ctx;

  router.route('listTemplates', async (_req, { caller }) => ({ templates: (await store.templates.list(caller.orgId)).map(templateView) }));

  router.route('createTemplate', async ({ body }, { caller }) => {
    validateDefinition(ctx, body.kind, body.definition);
    return store.transaction(async (tx) => {
      if (await tx.templates.get(caller.orgId, body.id)) {
        throw problem(409, 'conflict', 'Conflict', `template ${JSON.stringify(body.id)} exists; PUT /v1/templates/${body.id} stores a new version`);
      }
      const { version } = await tx.templates.put({ orgId: caller.orgId, templateId: body.id, kind: body.kind, definition: body.definition }, clock.now());
      return templateView(version);
    });
  });

  router.route('getTemplate', async ({ params }, { caller }) => {
    const t = await store.templates.get(caller.orgId, params.id);
    if (!t) throw notFound('template', params.id);
    return templateView(t);
  });

  router.route('putTemplate', async ({ params, body }, { caller, reply }) => {
    validateDefinition(ctx, body.kind, body.definition);
    const { version, created } = await store.templates.put({ orgId: caller.orgId, templateId: params.id, kind: body.kind, definition: body.definition }, clock.now());
    if (created) reply.code(201);
    return { template: templateView(version), created };
  });

  router.route('deleteTemplate', async ({ params }, { caller }) => {
    if (!(await store.templates.delete(caller.orgId, params.id))) throw notFound('template', params.id);
  });

  router.route('listTemplateVersions', async ({ params }, { caller }) => {
    const versions = await store.templates.versions(caller.orgId, params.id);
    if (versions.length === 0) throw notFound('template', params.id);
    return { versions: versions.map(templateView) };
  });

  router.route('getTemplateVersion', async ({ params }, { caller }) => {
    const t = await store.templates.get(caller.orgId, params.id, params.version);
    if (!t) throw notFound('template version', `${params.id}@${params.version}`);
    return templateView(t);
  });
}
