import { healthReport } from '../../alerts/report.js';
import type { ApiContext } from '../context.js';
import type { ApiRouter } from '../router.js';
import { healthView } from '../views.js';

export function healthRoutes(router: ApiRouter, { store }: ApiContext): void {
  router.route('listHealth', async (_req, { caller }) => ({ schedules: (await healthReport(store, caller.orgId)).map(healthView) }));
}
