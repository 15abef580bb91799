import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { incidentView } from '../views.js';

export function incidentRoutes(router: ApiRouter, { store }: ApiContext): void {
  router.route('listIncidents', async ({ query }, { caller }) => ({
    incidents: (
      await store.incidents.list(caller.orgId, {
        ...(query.status ? { status: query.status } : {}),
        ...(query.scheduleId ? { scheduleId: query.scheduleId } : {}),
        limit: query.limit ?? 100,
      })
    ).map(incidentView),
  }));

  router.route('getIncident', async ({ params }, { caller }) => {
    const incident = await store.incidents.get(caller.orgId, params.id);
    if (!incident) throw notFound('incident', params.id);
    return incidentView(incident);
  });
}
