/**
 * agentcron as a system under test: one Engine (scheduler + worker) on a real SystemClock,
 * running a no-op template, on a fresh SQLite file or PostgreSQL schema.
 *
 * Timing sources (see docs/benchmarks.md):
 * - created: when the scheduler's transaction that inserted the run committed, observed by
 *   wrapping `Store.transaction` (the row's `created_at` is the tick's `now`, taken once per
 *   batch of due schedules, so it would flatter the scheduler);
 * - started: `runs.started_at`, the claim's `now` (what the store says);
 * - entered: Date.now() when the no-op runner is called (after the claim committed and the
 *   worker looked up the schedule and template);
 * - finished: when `completeAttempt` returned true (committed).
 */
import { SystemClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import type { AttemptContext, TemplateRunner } from '../src/runtime/runner.js';
import { openStore } from '../src/store/open.js';
import type { FireRequest, NewRun, Store } from '../src/store/store.js';
import type { Json, Run } from '../src/store/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import type {
  BaselineResult,
  BenchDatabase,
  OccurrenceRecord,
  Progress,
  SchedulerUnderTest,
  System,
  Workload,
} from './harness.js';
import { fmtInt, fmtMs } from './harness.js';

const ORG = 'bench';
const TEMPLATE = 'noop';

/**
 * A template runner that does nothing, so the benchmark measures scheduling and bookkeeping
 * only. The store knows the kinds http | steps | script | agent; the benchmark borrows `script`
 * for this runner (its templates exist only in the benchmark's throw-away databases).
 */
export class NoopRunner implements TemplateRunner {
  readonly kind = 'script' as const;

  constructor(private readonly onRun: (runId: string, at: number) => void = () => {}) {}

  validate(_definition: Json): void {}

  async run(_definition: Json, context: AttemptContext): Promise<Json> {
    this.onRun(context.runId, Date.now());
    return {};
  }
}

interface Hooks {
  /** While true, new transactions are refused (see AgentcronUnderTest.stop). */
  stopping(): boolean;
  /** A transaction was refused because the benchmark is stopping. */
  refused(): void;
  /** Runs inserted by a scheduler transaction, once it has committed. */
  fired(runs: Run[], committedAt: number): void;
  /** An attempt's result was accepted (committed). */
  completed(runId: string, at: number): void;
}

/**
 * The store the engine gets: the real one, with `transaction` and `runs.completeAttempt`
 * reporting when scheduler fires and completions commit. Everything else is the real store
 * (reached through the prototype chain), so no query changes.
 */
function instrument(store: Store, hooks: Hooks): Store {
  const runs = Object.create(store.runs) as Store['runs'];
  runs.completeAttempt = async (outcome, now) => {
    const accepted = await store.runs.completeAttempt(outcome, now);
    if (accepted) hooks.completed(outcome.runId, Date.now());
    return accepted;
  };
  const transaction: Store['transaction'] = async (fn) => {
    if (hooks.stopping()) {
      hooks.refused();
      throw new Error('benchmark stopping: no new scheduler transactions');
    }
    let fired: Run[] = [];
    const result = await store.transaction((tx) => {
      fired = []; // a retried transaction (PostgreSQL serialization failure) starts over
      const schedules = Object.create(tx.schedules) as Store['schedules'];
      schedules.fire = async (request: FireRequest, now: number) => {
        const out = await tx.schedules.fire(request, now);
        fired.push(...out.runs);
        return out;
      };
      const wrapped = Object.create(tx) as Store;
      Object.defineProperty(wrapped, 'schedules', { value: schedules });
      return fn(wrapped);
    });
    if (fired.length > 0) hooks.fired(fired, Date.now());
    return result;
  };
  const wrapped = Object.create(store) as Store;
  Object.defineProperties(wrapped, { runs: { value: runs }, transaction: { value: transaction } });
  return wrapped;
}

async function open(db: BenchDatabase): Promise<Store> {
  return openStore(db.target, db.schema !== undefined ? { schema: db.schema } : {});
}

async function seed(store: Store, now: number): Promise<number> {
  await store.orgs.create({ id: ORG, name: 'benchmark' }, now);
  const { version } = await store.templates.put({ orgId: ORG, templateId: TEMPLATE, kind: 'script', definition: { noop: true } }, now);
  return version.version;
}

interface Tracked {
  nominal: number;
  notRun: boolean;
  createdAt: number;
  enteredAt: number | null;
  finishedAt: number | null;
}

export interface AgentcronOptions {
  slots: number;
  pollMs: number;
}

class AgentcronUnderTest implements SchedulerUnderTest {
  readonly system = 'agentcron';
  readonly settings: string;
  private store: Store | null = null;
  private engine: Engine | null = null;
  private window = { from: 0, to: 0 };
  private readonly runs = new Map<string, Tracked>();
  private readonly entered = new Map<string, number>();
  private counts: Progress = { created: 0, notRun: 0, finished: 0 };
  private stopping = false;
  private refused = 0;

  constructor(
    private readonly db: BenchDatabase,
    private readonly opts: AgentcronOptions,
  ) {
    this.settings = `1 engine node, ${opts.slots} worker slots, poll ${opts.pollMs} ms`;
  }

  private inWindow(nominal: number): boolean {
    return nominal >= this.window.from && nominal < this.window.to;
  }

  async setup(workload: Workload): Promise<void> {
    this.window = workload.window;
    const store = (this.store = await open(this.db));
    const now = Date.now();
    await seed(store, now);
    // Chunks of 1,000 per transaction: quick on both backends, and not one huge transaction.
    for (let i = 0; i < workload.schedules.length; i += 1000) {
      const chunk = workload.schedules.slice(i, i + 1000);
      await store.transaction(async (tx) => {
        for (const s of chunk) {
          await tx.schedules.create(
            {
              id: s.id,
              orgId: ORG,
              templateId: TEMPLATE,
              spec: { every: `${s.everyMs}ms`, phase: `${s.phaseMs}ms` },
              nextNominalTime: s.firstNominal,
            },
            now,
          );
        }
      });
    }
  }

  async start(): Promise<void> {
    if (!this.store) throw new Error('setup() first');
    const hooks: Hooks = {
      stopping: () => this.stopping,
      refused: () => void this.refused++,
      fired: (runs, at) => {
        for (const r of runs) {
          const notRun = r.status === 'skipped' || r.status === 'missed';
          this.runs.set(r.id, { nominal: r.nominalTime, notRun, createdAt: at, enteredAt: null, finishedAt: null });
          if (this.inWindow(r.nominalTime)) {
            this.counts.created++;
            if (notRun) this.counts.notRun++;
          }
        }
      },
      completed: (runId, at) => {
        const t = this.runs.get(runId);
        if (!t) return;
        t.finishedAt = at;
        if (this.inWindow(t.nominal)) this.counts.finished++;
      },
    };
    this.engine = new Engine({
      store: instrument(this.store, hooks),
      clock: new SystemClock(),
      logger: silentLogger(),
      runners: [new NoopRunner((runId, at) => this.entered.set(runId, at))],
      slots: this.opts.slots,
      pollMs: this.opts.pollMs,
    });
    this.engine.start();
  }

  progress(): Progress {
    return { ...this.counts };
  }

  /**
   * Engine.shutdown() waits for the scheduler's current tick, and a tick only returns once no
   * schedule is due: under a load the scheduler cannot keep up with, that is never. So the
   * benchmark first makes the store refuse the scheduler's transactions (each fire then fails,
   * the tick gives up after one batch), then shuts the engine down. Returns a note when the
   * guard was needed, i.e. the scheduler was still behind.
   */
  async stop(): Promise<string | void> {
    if (!this.engine) return;
    this.stopping = true;
    const t = Date.now();
    await this.engine.shutdown(10_000);
    this.engine = null;
    if (this.refused > 0) {
      return `scheduler still in a tick at stop: ${fmtInt(this.refused)} fires refused by the benchmark's guard; shutdown took ${fmtMs(Date.now() - t)}`;
    }
  }

  async collect(window: { from: number; to: number }): Promise<OccurrenceRecord[]> {
    if (!this.store) return [];
    const out: OccurrenceRecord[] = [];
    let cursor: string | null = null;
    do {
      const page: { runs: Run[]; nextCursor: string | null } = await this.store.runs.list({
        orgId: ORG,
        from: window.from,
        to: window.to,
        limit: 1000,
        ...(cursor !== null ? { cursor } : {}),
      });
      for (const r of page.runs) {
        if (r.trigger !== 'schedule' || r.scheduleId === null) continue;
        const t = this.runs.get(r.id);
        out.push({
          scheduleId: r.scheduleId,
          nominal: r.nominalTime,
          status: r.status,
          notRun: r.status === 'skipped' || r.status === 'missed',
          createdAt: t?.createdAt ?? r.createdAt,
          startedAt: r.startedAt,
          enteredAt: this.entered.get(r.id) ?? null,
          finishedAt: t?.finishedAt ?? r.finishedAt,
        });
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return out;
  }

  async close(): Promise<void> {
    await this.engine?.shutdown(0).catch(() => undefined);
    await this.store?.close().catch(() => undefined);
    this.store = null;
    await this.db.cleanup();
  }
}

/** A run row like the scheduler writes for an occurrence (key, limit, idempotency key). */
function occurrenceRow(templateVersion: number, i: number, nominal: number): NewRun {
  const scheduleId = `baseline-${String(i).padStart(6, '0')}`;
  return {
    orgId: ORG,
    scheduleId,
    templateId: TEMPLATE,
    templateVersion,
    params: {},
    nominalTime: nominal,
    trigger: 'schedule',
    status: 'queued',
    idempotencyKey: `${scheduleId}@${new Date(nominal).toISOString()}`,
    maxAttempts: 1,
    availableAt: nominal,
    concurrencyKey: scheduleId,
    concurrencyLimit: 1,
  };
}

export function agentcronSystem(opts: AgentcronOptions): System {
  return {
    name: 'agentcron',
    backends: ['sqlite', 'postgres'],
    scheduler: (db) => new AgentcronUnderTest(db, opts),
    /**
     * `rows` occurrence-shaped run rows through `store.runs.create`: all in one transaction
     * (the best the store can write), then each in its own transaction (what one commit per
     * row costs, the floor for a scheduler that commits each schedule's fire separately).
     */
    baseline: async (db, rows) => {
      const store = await open(db);
      try {
        const now = Date.now();
        const version = await seed(store, now);
        const nominal = Math.floor(now / 1000) * 1000 + 3_600_000;
        const results: BaselineResult[] = [];
        let t = performance.now();
        await store.transaction(async (tx) => {
          for (let i = 0; i < rows; i++) await tx.runs.create(occurrenceRow(version, i, nominal), now);
        });
        results.push({ key: 'bulk', label: `${fmtInt(rows)} run rows, one transaction`, rows, ms: performance.now() - t });
        t = performance.now();
        for (let i = 0; i < rows; i++) await store.runs.create(occurrenceRow(version, i, nominal + 1000), now);
        results.push({ key: 'each', label: `${fmtInt(rows)} run rows, one transaction each`, rows, ms: performance.now() - t });
        return results;
      } finally {
        await store.close().catch(() => undefined);
        await db.cleanup();
      }
    },
  };
}
