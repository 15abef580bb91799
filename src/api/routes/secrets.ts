import { putSecret, requireSecretBox } from '../../config/secrets.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import type { ApiRouter } from '../router.js';

/** Write-only: values go in, names come out; nothing here ever returns a value or a ciphertext. */
export function secretRoutes(router: ApiRouter, { store, clock, secretBox }: ApiContext): void {
  router.route('listSecrets', async (_req, { caller }) => ({ names: await store.secrets.names(caller.orgId) }));

  router.route('putSecret', async ({ params, body }, { caller }) => {
    // Without a configured master key, this explains how to set one (503).
    const box = secretBox ?? requireSecretBox({});
    await putSecret(store, box, caller.orgId, params.name, body.value, clock.now());
  });

  router.route('deleteSecret', async ({ params }, { caller }) => {
    if (!(await store.secrets.delete(caller.orgId, params.name))) throw notFound('secret', params.name);
  });
}
