import type { Queryable, Row } from '../db.js';
import { ConflictError } from '../store.js';
import type { ProfileRepo } from '../store.js';
import type { Instant, Json, Profile } from '../types.js';
import { fromJson, num, numOrNull, strOrNull, toJson } from './util.js';

function toProfile(row: Row): Profile {
  return {
    orgId: String(row.org_id),
    name: String(row.name),
    state: fromJson(row.state),
    version: num(row.version),
    lockedByRunId: strOrNull(row.locked_by_run_id),
    lockExpiresAt: numOrNull(row.lock_expires_at),
    updatedAt: num(row.updated_at),
  };
}

/**
 * Named browser profiles. A profile created by `acquire` is empty: state null, version 0; every
 * save bumps the version, so `save(..., expectedVersion)` detects a writer that got there
 * first. The lock (run id + expiry) keeps two live runs from using one profile at once.
 */
export class SqlProfileRepo implements ProfileRepo {
  constructor(private readonly db: Queryable) {}

  async get(orgId: string, name: string): Promise<Profile | null> {
    const rows = await this.db.query('SELECT * FROM profiles WHERE org_id = ? AND name = ?', [orgId, name]);
    return rows[0] ? toProfile(rows[0]) : null;
  }

  async list(orgId: string): Promise<Profile[]> {
    const rows = await this.db.query('SELECT * FROM profiles WHERE org_id = ? ORDER BY name', [orgId]);
    return rows.map(toProfile);
  }

  /**
   * Without `expectedVersion`, creates or overwrites. With it, writes only when the stored
   * version equals it (a missing profile counts as version 0) and throws ConflictError
   * otherwise. The lock is left as it is.
   */
  async save(orgId: string, name: string, state: Json, now: Instant, expectedVersion?: number): Promise<Profile> {
    const json = toJson(state);
    let rows: Row[];
    if (expectedVersion === undefined || expectedVersion === 0) {
      const guard = expectedVersion === undefined ? '' : ' WHERE profiles.version = ?';
      rows = await this.db.query(
        `INSERT INTO profiles (org_id, name, state, version, locked_by_run_id, lock_expires_at, created_at, updated_at)
         VALUES (?, ?, ?, 1, NULL, NULL, ?, ?)
         ON CONFLICT (org_id, name) DO UPDATE SET
           state = excluded.state, version = profiles.version + 1, updated_at = excluded.updated_at${guard}
         RETURNING *`,
        expectedVersion === undefined ? [orgId, name, json, now, now] : [orgId, name, json, now, now, expectedVersion],
      );
    } else {
      rows = await this.db.query(
        `UPDATE profiles SET state = ?, version = version + 1, updated_at = ?
         WHERE org_id = ? AND name = ? AND version = ?
         RETURNING *`,
        [json, now, orgId, name, expectedVersion],
      );
    }
    const row = rows[0];
    if (!row) {
      const current = await this.get(orgId, name);
      throw new ConflictError(
        `profile ${JSON.stringify(name)}: expected version ${expectedVersion}, stored ${current ? current.version : 'none'}`,
      );
    }
    return toProfile(row);
  }

  /**
   * Creates the profile empty when it does not exist, then takes the lock if it is free,
   * already held by `runId` (renewal), or expired. Each statement is atomic on its own, and the
   * first is idempotent, so no transaction is needed.
   */
  async acquire(orgId: string, name: string, runId: string, leaseMs: number, now: Instant): Promise<boolean> {
    await this.db.execute(
      `INSERT INTO profiles (org_id, name, state, version, locked_by_run_id, lock_expires_at, created_at, updated_at)
       VALUES (?, ?, 'null', 0, NULL, NULL, ?, ?)
       ON CONFLICT (org_id, name) DO NOTHING`,
      [orgId, name, now, now],
    );
    const changed = await this.db.execute(
      `UPDATE profiles SET locked_by_run_id = ?, lock_expires_at = ?
       WHERE org_id = ? AND name = ?
         AND (locked_by_run_id IS NULL OR locked_by_run_id = ? OR lock_expires_at <= ?)`,
      [runId, now + leaseMs, orgId, name, runId, now],
    );
    return changed > 0;
  }

  /** Releases the lock if `runId` holds it; a no-op otherwise. */
  async release(orgId: string, name: string, runId: string): Promise<void> {
    await this.db.execute(
      `UPDATE profiles SET locked_by_run_id = NULL, lock_expires_at = NULL
       WHERE org_id = ? AND name = ? AND locked_by_run_id = ?`,
      [orgId, name, runId],
    );
  }

  async delete(orgId: string, name: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM profiles WHERE org_id = ? AND name = ?', [orgId, name])) > 0;
  }
}
