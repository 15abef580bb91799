import type { Queryable, Row } from '../db.js';
import type { DestinationStateRepo } from '../store.js';
import type { DestinationState, Instant } from '../types.js';
import { num, numOrNull, str, strOrNull } from './util.js';

function toState(row: Row): DestinationState {
  return {
    orgId: str(row.org_id),
    destinationId: str(row.destination_id),
    type: str(row.type),
    disabledAt: numOrNull(row.disabled_at),
    disabledReason: strOrNull(row.disabled_reason),
    updatedAt: num(row.updated_at),
  };
}

/** What the relay learnt about each destination (migration 4): whether it is disabled, and why. */
export class SqlDestinationStateRepo implements DestinationStateRepo {
  constructor(private readonly db: Queryable) {}

  async register(orgId: string, destinationId: string, type: string, now: Instant): Promise<void> {
    await this.db.execute(
      `INSERT INTO destination_state (org_id, destination_id, type, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (org_id, destination_id) DO UPDATE SET type = excluded.type, updated_at = excluded.updated_at
       WHERE destination_state.type <> excluded.type`,
      [orgId, destinationId, type, now],
    );
  }

  async disable(orgId: string, destinationId: string, type: string, reason: string, now: Instant): Promise<void> {
    await this.db.execute(
      `INSERT INTO destination_state (org_id, destination_id, type, disabled_at, disabled_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, destination_id) DO UPDATE
         SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason, updated_at = excluded.updated_at`,
      [orgId, destinationId, type, now, reason, now],
    );
  }

  async enable(orgId: string, destinationId: string, now: Instant): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE destination_state SET disabled_at = NULL, disabled_reason = NULL, updated_at = ?
       WHERE org_id = ? AND destination_id = ? AND disabled_at IS NOT NULL`,
      [now, orgId, destinationId],
    );
    return changed > 0;
  }

  async get(orgId: string, destinationId: string): Promise<DestinationState | null> {
    const rows = await this.db.query('SELECT * FROM destination_state WHERE org_id = ? AND destination_id = ?', [orgId, destinationId]);
    return rows[0] ? toState(rows[0]) : null;
  }

  async list(orgId: string): Promise<DestinationState[]> {
    const rows = await this.db.query('SELECT * FROM destination_state WHERE org_id = ? ORDER BY destination_id', [orgId]);
    return rows.map(toState);
  }

  async disabled(): Promise<DestinationState[]> {
    const rows = await this.db.query('SELECT * FROM destination_state WHERE disabled_at IS NOT NULL ORDER BY org_id, destination_id');
    return rows.map(toState);
  }
}
