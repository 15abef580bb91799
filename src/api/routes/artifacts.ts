/** Run artifacts: the list of what attempts produced, and each file's bytes as a download. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ApiContext } from '../context.js';
import { notFound, problem } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { artifactView } from '../views.js';
import { runOf } from './runs.js';

/** Bytes of a file, or null when it is gone (pruned by retention, or deleted by hand). */
async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

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
    // Names are safe path segments (safeArtifactName): quoting them needs no escaping.
    reply
      .type(artifact.contentType)
      .header('content-disposition', `attachment; filename="${artifact.name}"`)
      .header('x-content-type-options', 'nosniff');
    // A local file is streamed rather than read whole: traces run to tens of megabytes.
    const path = artifacts.localPath?.(artifact.storageKey);
    if (path !== undefined) {
      const size = await fileSize(path);
      if (size === null) throw gone();
      return reply.header('content-length', size).send(createReadStream(path));
    }
    const body = await artifacts.get(artifact.storageKey);
    if (!body) throw gone();
    return reply.send(body);
  });
}
