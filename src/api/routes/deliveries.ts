import { redeliverRange } from '../../delivery/outbox.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { deliveryAttemptView, deliveryView } from '../views.js';

export function deliveryRoutes(router: ApiRouter, { store, clock }: ApiContext): void {
  router.route('listDeliveries', async ({ query }, { caller }) => ({
    deliveries: (
      await store.deliveries.list({
        orgId: caller.orgId,
        ...(query.status?.length ? { status: query.status } : {}),
        ...(query.destinationId ? { destinationId: query.destinationId } : {}),
        ...(query.runId ? { runId: query.runId } : {}),
        limit: query.limit ?? 100,
      })
    ).map(deliveryView),
  }));

  router.route('getDelivery', async ({ params }, { caller }) => {
    const delivery = await store.deliveries.get(caller.orgId, params.id);
    if (!delivery) throw notFound('delivery', params.id);
    return { delivery: deliveryView(delivery), attempts: (await store.deliveries.attempts(delivery.id)).map(deliveryAttemptView) };
  });

  router.route('redeliver', async ({ params }, { caller }) => {
    const delivery = await store.deliveries.redeliver(caller.orgId, params.id, clock.now());
    if (!delivery) throw notFound('delivery', params.id);
    return deliveryView(delivery);
  });

  router.route('redeliverRange', async ({ body }, { caller }) => {
    const { ids, more } = await redeliverRange(
      store,
      { orgId: caller.orgId, from: body.since, to: body.until, status: body.status, limit: body.limit, ...(body.destinationId ? { destinationId: body.destinationId } : {}) },
      clock.now(),
    );
    return { count: ids.length, ids, more };
  });
}
