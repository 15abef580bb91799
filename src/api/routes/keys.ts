import type { ApiContext } from '../context.js';
import { createApiKey } from '../keys.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { apiKeyView } from '../views.js';

export function keyRoutes(router: ApiRouter, { store, clock }: ApiContext): void {
  router.route('listKeys', async (_req, { caller }) => ({ keys: (await store.apiKeys.list(caller.orgId)).map(apiKeyView) }));

  router.route('createKey', async ({ body }, { caller }) => {
    const { apiKey, key } = await createApiKey(store, { orgId: caller.orgId, name: body.name, role: body.role }, clock.now());
    return { apiKey: apiKeyView(apiKey), key };
  });

  router.route('revokeKey', async ({ params }, { caller }) => {
    if (!(await store.apiKeys.revoke(caller.orgId, params.id, clock.now()))) throw notFound('API key', params.id);
  });
}
