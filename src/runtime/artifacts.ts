import { mkdir, readFile, readdir, rm, rmdir, writeFile, rename } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Artifact, ArtifactKind, Instant } from '../store/types.js';

/** Where an artifact's bytes are addressed: one attempt of one run, by name. */
export interface ArtifactAddress {
  orgId: string;
  runId: string;
  attempt: number;
  name: string;
}

/**
 * Bytes of attempt artifacts (traces, screenshots, console logs, downloads). The filesystem
 * implementation is the default; an object-storage one can take its place behind this interface.
 */
export interface ArtifactStore {
  /** Stores the bytes and returns the key they are kept under. */
  put(address: ArtifactAddress, body: Buffer): Promise<string>;
  /** The bytes under `key`, or null when they are gone. */
  get(key: string): Promise<Buffer | null>;
  /** Keys of one run's artifacts (of one attempt when given). */
  list(address: Omit<ArtifactAddress, 'name' | 'attempt'> & { attempt?: number }): Promise<string[]>;
  /** Removes the bytes; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** A local file path for `key` when the store has one (the replay server serves it directly). */
  localPath?(key: string): string;
}

export const DEFAULT_ARTIFACT_ROOT = '.agentcron/artifacts';

/** Names become one path segment: anything outside [A-Za-z0-9._-] is replaced, dot-files are not allowed. */
export function safeArtifactName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  if (cleaned.length === 0) throw new Error(`artifact name ${JSON.stringify(name)} is empty`);
  return cleaned.slice(0, 200);
}

/** Artifacts as files: `<root>/<org>/<run>/<attempt>/<name>`, written via a temp file and a rename. */
export class FileArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string = DEFAULT_ARTIFACT_ROOT) {
    this.root = resolve(root);
  }

  async put(address: ArtifactAddress, body: Buffer): Promise<string> {
    const key = [safeArtifactName(address.orgId), safeArtifactName(address.runId), String(address.attempt), safeArtifactName(address.name)].join('/');
    const path = this.localPath(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
    return key;
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.localPath(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(address: { orgId: string; runId: string; attempt?: number }): Promise<string[]> {
    const runKey = `${safeArtifactName(address.orgId)}/${safeArtifactName(address.runId)}`;
    const attempts = address.attempt === undefined ? await entries(this.localPath(runKey)) : [String(address.attempt)];
    const keys: string[] = [];
    for (const attempt of attempts.sort((a, b) => Number(a) - Number(b))) {
      for (const name of (await entries(this.localPath(`${runKey}/${attempt}`))).sort()) {
        if (!name.endsWith('.tmp')) keys.push(`${runKey}/${attempt}/${name}`);
      }
    }
    return keys;
  }

  async delete(key: string): Promise<void> {
    const path = this.localPath(key);
    await rm(path, { force: true });
    // Empty attempt and run folders go too, so pruning leaves no skeleton behind.
    for (let dir = dirname(path); dir.startsWith(this.root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  }

  localPath(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`artifact key ${JSON.stringify(key)} leaves the artifact root`);
    return path;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** An artifact to save for an attempt. */
export interface ArtifactInput {
  name: string;
  kind: ArtifactKind;
  contentType: string;
  body: Buffer;
}

/** Saves bytes in the ArtifactStore and records their row, so the API and the replay command find them. */
export async function saveArtifact(
  deps: { store: Store; artifacts: ArtifactStore },
  owner: { orgId: string; runId: string; attempt: number },
  input: ArtifactInput,
  now: Instant,
): Promise<Artifact> {
  const name = safeArtifactName(input.name);
  const storageKey = await deps.artifacts.put({ ...owner, name }, input.body);
  return deps.store.artifacts.add({ ...owner, name, kind: input.kind, contentType: input.contentType, size: input.body.length, storageKey }, now);
}

/**
 * Deletes artifacts older than the retention, files first then rows, in batches (the retention
 * job, src/engine/retention.ts, calls this). A file that is
 * already gone still has its row removed; a row whose file cannot be deleted stays for the next pass.
 */
export async function pruneArtifacts(
  deps: { store: Store; artifacts: ArtifactStore; log?: Logger },
  retentionMs: number,
  now: Instant,
  batch = 500,
): Promise<number> {
  let pruned = 0;
  for (;;) {
    const old = await deps.store.artifacts.createdBefore(now - retentionMs, batch);
    if (old.length === 0) return pruned;
    const removed: string[] = [];
    for (const artifact of old) {
      try {
        await deps.artifacts.delete(artifact.storageKey);
        removed.push(artifact.id);
      } catch (error) {
        deps.log?.warn({ err: error, key: artifact.storageKey }, 'could not delete an expired artifact; will retry');
      }
    }
    pruned += await deps.store.artifacts.delete(removed);
    if (removed.length < old.length) return pruned;
  }
}
