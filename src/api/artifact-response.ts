/** One way to answer with an artifact's bytes, shared by the API's download route and the dashboard. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import type { ArtifactStore } from '../runtime/artifacts.js';
import type { Artifact } from '../store/types.js';

/**
 * How the bytes are presented:
 * - `download` (API): the stored content type, always as an attachment;
 * - `page` (dashboard, same origin as its HTML): only PNG, JPEG, GIF and WebP show inline, and
 *   anything but those, zip and JSON is served as application/octet-stream — an HTML or SVG file
 *   served inline or with its own type would run on this origin. Not cached by the browser.
 */
export type ArtifactPresentation = 'download' | 'page';

const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp)$/;
const PAGE_SAFE_TYPES = new Set(['application/zip', 'application/json']);

/** Bytes of a file, or null when it is gone (pruned by retention, or deleted by hand). */
async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Sends `artifact`'s bytes from `store`. A store with local files is streamed (traces run to
 * tens of megabytes and are never held in memory whole); any other is read through `get`.
 * Throws `gone()` when the bytes no longer exist.
 */
export async function sendArtifact(
  reply: FastifyReply,
  artifact: Artifact,
  store: ArtifactStore,
  options: { presentation: ArtifactPresentation; gone: () => Error },
): Promise<FastifyReply> {
  const page = options.presentation === 'page';
  const inline = page && INLINE_IMAGE.test(artifact.contentType);
  const type = !page || inline || PAGE_SAFE_TYPES.has(artifact.contentType) ? artifact.contentType : 'application/octet-stream';
  // Stored names are safe path segments already (safeArtifactName); this keeps the header safe regardless.
  const filename = artifact.name.replace(/[^A-Za-z0-9._-]/g, '_');
  reply
    .type(type)
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${filename}"`)
    .header('x-content-type-options', 'nosniff');
  if (page) reply.header('cache-control', 'private, no-store');
  const path = store.localPath?.(artifact.storageKey);
  if (path !== undefined) {
    const size = await fileSize(path);
    if (size === null) throw options.gone();
    return reply.header('content-length', size).send(createReadStream(path));
  }
  const body = await store.get(artifact.storageKey);
  if (!body) throw options.gone();
  return reply.send(body);
}
