/** The agent trajectory cache: what is cached, and dropping a template's entries. */
import { invalidateTemplateCache } from '../../agent/trajectory-cache.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { trajectoryView } from '../views.js';

export function cacheRoutes(router: ApiRouter, { store }: ApiContext): void {
  router.route('listCache', async ({ query }, { caller }) => ({
    trajectories: (await store.trajectories.list(caller.orgId, query.template === undefined ? {} : { templateId: query.template })).map(trajectoryView),
  }));

  router.route('invalidateCache', async ({ params }, { caller }) => {
    // Nothing cached is fine for a known template; an id the organisation never had is a 404 like everywhere else.
    const removed = await invalidateTemplateCache(store, caller.orgId, params.templateId);
    if (removed === null) throw notFound('template', params.templateId);
    return { templateId: params.templateId, removed };
  });
}
