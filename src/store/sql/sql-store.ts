import type { Db, Dialect, Queryable } from '../db.js';
import type {
  ApiKeyRepo,
  ArtifactRepo,
  DeliveryRepo,
  DestinationStateRepo,
  HealthRepo,
  IncidentRepo,
  MetaRepo,
  OrgRepo,
  ProfileRepo,
  RunEventRepo,
  RunRepo,
  ScheduleRepo,
  SecretRepo,
  StatsRepo,
  Store,
  TemplateRepo,
  TemplateStateRepo,
  TrajectoryRepo,
} from '../store.js';
import { SqlApiKeyRepo } from './api-keys.js';
import { SqlArtifactRepo } from './artifacts.js';
import { SqlDeliveryRepo } from './deliveries.js';
import { SqlDestinationStateRepo } from './destinations.js';
import { SqlRunEventRepo } from './events.js';
import { SqlHealthRepo } from './health.js';
import { SqlIncidentRepo } from './incidents.js';
import { SqlMetaRepo } from './meta.js';
import { SqlOrgRepo } from './orgs.js';
import { SqlProfileRepo } from './profiles.js';
import { SqlRunRepo } from './runs.js';
import { SqlScheduleRepo } from './schedules.js';
import { SqlSecretRepo } from './secrets.js';
import { SqlStatsRepo } from './stats.js';
import { SqlTemplateStateRepo } from './template-state.js';
import { SqlTemplateRepo } from './templates.js';
import { SqlTrajectoryRepo } from './trajectories.js';
import { inTransaction } from './util.js';

/**
 * The Store over either SQL backend: every repository is written once against `Queryable`.
 * Built on a Db it owns the connection (close() closes it); `transaction` hands its function a
 * SqlStore bound to the transaction, and transactions opened inside that one join it.
 */
export class SqlStore implements Store {
  readonly dialect: Dialect;
  readonly orgs: OrgRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly templates: TemplateRepo;
  readonly schedules: ScheduleRepo;
  readonly runs: RunRepo;
  readonly events: RunEventRepo;
  readonly deliveries: DeliveryRepo;
  readonly destinations: DestinationStateRepo;
  readonly incidents: IncidentRepo;
  readonly health: HealthRepo;
  readonly profiles: ProfileRepo;
  readonly state: TemplateStateRepo;
  readonly secrets: SecretRepo;
  readonly meta: MetaRepo;
  readonly artifacts: ArtifactRepo;
  readonly trajectories: TrajectoryRepo;
  readonly stats: StatsRepo;

  constructor(
    private readonly db: Queryable,
    private readonly owner = true,
  ) {
    this.dialect = db.dialect;
    this.orgs = new SqlOrgRepo(db);
    this.apiKeys = new SqlApiKeyRepo(db);
    this.templates = new SqlTemplateRepo(db);
    this.schedules = new SqlScheduleRepo(db);
    this.runs = new SqlRunRepo(db);
    this.events = new SqlRunEventRepo(db);
    this.deliveries = new SqlDeliveryRepo(db);
    this.destinations = new SqlDestinationStateRepo(db);
    this.incidents = new SqlIncidentRepo(db);
    this.health = new SqlHealthRepo(db);
    this.profiles = new SqlProfileRepo(db);
    this.state = new SqlTemplateStateRepo(db);
    this.secrets = new SqlSecretRepo(db);
    this.meta = new SqlMetaRepo(db);
    this.artifacts = new SqlArtifactRepo(db);
    this.trajectories = new SqlTrajectoryRepo(db);
    this.stats = new SqlStatsRepo(db);
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return inTransaction(this.db, (tx) => (tx === this.db ? fn(this) : fn(new SqlStore(tx, false))));
  }

  async close(): Promise<void> {
    if (!this.owner) throw new Error('cannot close a transaction-bound Store; close the Store that opened it');
    const db = this.db as Partial<Db>;
    if (typeof db.close === 'function') await db.close();
  }
}
