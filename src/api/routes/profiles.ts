import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { profileView } from '../views.js';

export function profileRoutes(router: ApiRouter, { store, clock }: ApiContext): void {
  router.route('listProfiles', async (_req, { caller }) => {
    const now = clock.now();
    return { profiles: (await store.profiles.list(caller.orgId)).map((p) => profileView(p, now)) };
  });

  router.route('deleteProfile', async ({ params }, { caller }) => {
    if (!(await store.profiles.delete(caller.orgId, params.name))) throw notFound('profile', params.name);
  });
}
