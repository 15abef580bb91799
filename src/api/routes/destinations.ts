import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { destinationView } from '../views.js';

export function destinationRoutes(router: ApiRouter, { store, clock }: ApiContext): void {
  router.route('listDestinations', async (_req, { caller }) => ({ destinations: (await store.destinations.list(caller.orgId)).map(destinationView) }));

  router.route('enableDestination', async ({ params }, { caller }) => {
    if (!(await store.destinations.get(caller.orgId, params.id))) throw notFound('destination', params.id);
    const changed = await store.destinations.enable(caller.orgId, params.id, clock.now());
    return { destination: destinationView((await store.destinations.get(caller.orgId, params.id))!), changed };
  });
}
