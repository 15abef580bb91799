/** Run artifacts: the list of what attempts produced, and each file's bytes as a download. */
import { sendArtifact } from '../artifact-response.js';
import type { ApiContext } from '../context.js';
import { notFound, problem } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { artifactView } from '../views.js';
import { runOf } from './runs.js';

export function artifactRoutes(router: ApiRouter, { store, artifacts }: ApiContext): void {
  router.route('listRunArtifacts', async ({ params, query }, { caller }) => {
    const run = await runOf(store, caller, params.id);
    const list = await store.artifacts.list(caller.orgId, run.id, query.attempt);
    return { artifacts: list.filter((a) => !query.kind?.length || query.kind.includes(a.kind)).map(artifactView) };
  });

  router.route('getRunArtifact', async ({ params }, { caller, reply }) => {
    const run = await runOf(store, caller, params.id);
    const artifact = await store.artifacts.get(caller.orgId, run.id, params.attempt, params.name);
    if (!artifact) throw notFound('artifact', `${run.id}/${params.attempt}/${params.name}`);
    if (!artifacts) throw problem(503, 'artifacts-unavailable', 'Artifacts are not available', 'this server was started without an artifact store');
    const gone = () => problem(404, 'not-found', 'Not found', `the bytes of artifact ${params.attempt}/${artifact.name} are gone (pruned after the retention period?)`);
    return sendArtifact(reply, artifact, artifacts, { presentation: 'download', gone });
  });
}
