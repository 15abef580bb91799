/**
 * The typed client of the agentcron HTTP API (`import { AgentcronClient } from 'agentcron/client'`).
 *
 * Its types come from the same zod schemas the server validates with (src/api/schemas.ts), so a
 * change to the contract is a compile error here. It uses the global `fetch` (Node 20+, browsers)
 * and a bearer API key; errors come back as `ApiError` carrying the RFC 9457 problem.
 */
import {
  endpoints,
  type EndpointName,
  type Problem,
  type RequestOf,
  type ResponseOf,
} from '../api/schemas.js';

export type { EndpointName, Problem, RequestOf, ResponseOf } from '../api/schemas.js';
export type Run = ResponseOf<'getRun'>['run'];
export type Attempt = ResponseOf<'getRun'>['attempts'][number];
export type Schedule = ResponseOf<'getSchedule'>;
export type Template = ResponseOf<'getTemplate'>;
export type RunEvent = ResponseOf<'listRunEvents'>['events'][number];
export type ApiKey = ResponseOf<'listKeys'>['keys'][number];
export type RunListQuery = NonNullable<RequestOf<'listRuns'>['query']>;
export type Delivery = ResponseOf<'redeliver'>;
export type DeliveryListQuery = NonNullable<RequestOf<'listDeliveries'>['query']>;

/** A request the API refused or could not serve, with its problem details. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem, readonly method: string, readonly path: string) {
    const fields = problem.errors?.length ? `: ${problem.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}` : problem.detail ? `: ${problem.detail}` : '';
    super(`${method} ${path}: ${problem.status} ${problem.title}${fields}`);
    this.status = problem.status;
    this.problem = problem;
  }

  /** Each invalid field with its path (`body.spec.cron`), for validation problems. */
  get fieldErrors(): ReadonlyArray<{ path: string; message: string }> {
    return this.problem.errors ?? [];
  }
}

export interface ClientOptions {
  /** Where the server listens, e.g. `http://127.0.0.1:8080` (with or without a trailing slash). */
  baseUrl: string;
  /** A bearer key `ac_…` (see `agentcron keys create`). */
  apiKey?: string;
  /** Another fetch (tests, proxies); defaults to the global one. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

type Parts<N extends EndpointName> = {
  [K in keyof RequestOf<N> as RequestOf<N>[K] extends undefined ? never : K]: RequestOf<N>[K];
};

export interface CallOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class AgentcronClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    if (!/^https?:\/\//i.test(options.baseUrl)) throw new TypeError(`baseUrl must be an http:// or https:// URL, got ${JSON.stringify(options.baseUrl)}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * Calls one endpoint of the contract by name: `client.call('getSchedule', { params: { id } })`.
   * Path parameters fill `:name` segments; query values that are arrays are sent comma-separated.
   */
  async call<N extends EndpointName>(name: N, parts: Parts<N>, options: CallOptions = {}): Promise<ResponseOf<N>> {
    const endpoint = endpoints[name];
    const { params, query, body } = parts as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
    const path = endpoint.path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
      const value = params?.[key];
      if (value === undefined || value === null || value === '') throw new TypeError(`${name}: path parameter ${key} is required`);
      return encodeURIComponent(String(value));
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      search.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    const url = `${this.baseUrl}${path}${search.size > 0 ? `?${search.toString()}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...this.options.headers, ...options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const hasBody = endpoint.method !== 'GET' && endpoint.method !== 'DELETE';
    if (hasBody) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: endpoint.method,
        headers,
        ...(hasBody ? { body: JSON.stringify(body ?? {}) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
    }
    if (!response.ok) throw new ApiError(await problemOf(response), endpoint.method, path);
    if (response.status === 204 || endpoint.response === null) return undefined as ResponseOf<N>;
    return (await response.json()) as ResponseOf<N>;
  }

  // -- Schedules -------------------------------------------------------------------------------

  async listSchedules(query: NonNullable<RequestOf<'listSchedules'>['query']> = {}): Promise<Schedule[]> {
    return (await this.call('listSchedules', { query })).schedules;
  }

  getSchedule(id: string): Promise<Schedule> {
    return this.call('getSchedule', { params: { id } });
  }

  pauseSchedule(id: string, note?: string): Promise<Schedule> {
    return this.call('pauseSchedule', { params: { id }, body: note === undefined ? {} : { note } });
  }

  resumeSchedule(id: string): Promise<Schedule> {
    return this.call('resumeSchedule', { params: { id }, body: {} });
  }

  /** Runs a schedule now. The same `idempotencyKey` within 24 h returns the run it created (`created: false`). */
  trigger(id: string, options: { idempotencyKey?: string } & Omit<NonNullable<RequestOf<'triggerSchedule'>['body']>, never> = {}): Promise<ResponseOf<'triggerSchedule'>> {
    return this.call(
      'triggerSchedule',
      { params: { id }, body: { ...(options.overlap ? { overlap: options.overlap } : {}), ...(options.profile ? { profile: options.profile } : {}) } },
      options.idempotencyKey ? { headers: { 'idempotency-key': options.idempotencyKey } } : {},
    );
  }

  backfill(id: string, body: NonNullable<RequestOf<'backfillSchedule'>['body']>): Promise<ResponseOf<'backfillSchedule'>> {
    return this.call('backfillSchedule', { params: { id }, body });
  }

  /**
   * Counts, duration and start-lateness percentiles, daily and projected cost of a schedule's
   * runs over a window: `{ window: '7d' }`, `{ from, to }` (ISO instants); default the last 24 h.
   */
  scheduleStats(id: string, query: NonNullable<RequestOf<'scheduleStats'>['query']> = {}): Promise<ResponseOf<'scheduleStats'>> {
    return this.call('scheduleStats', { params: { id }, query });
  }

  // -- Runs ------------------------------------------------------------------------------------

  listRuns(query: RunListQuery = {}): Promise<ResponseOf<'listRuns'>> {
    return this.call('listRuns', { query });
  }

  /** Every run matching `query`, following `nextCursor` page after page (`limit` is the page size). */
  async *iterateRuns(query: Omit<RunListQuery, 'cursor'> = {}): AsyncGenerator<Run> {
    let cursor: string | undefined;
    do {
      const page = await this.listRuns({ ...query, ...(cursor ? { cursor } : {}) });
      yield* page.runs;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  getRun(id: string): Promise<ResponseOf<'getRun'>> {
    return this.call('getRun', { params: { id } });
  }

  cancelRun(id: string, reason?: string): Promise<Run> {
    return this.call('cancelRun', { params: { id }, body: reason === undefined ? {} : { reason } });
  }

  /** Every event of a run, in order (following pages). */
  async runEvents(id: string): Promise<RunEvent[]> {
    const all: RunEvent[] = [];
    for (;;) {
      const { events } = await this.call('listRunEvents', { params: { id }, query: { limit: 1000, ...(all.length ? { afterSeq: all[all.length - 1]!.seq } : {}) } });
      all.push(...events);
      if (events.length < 1000) return all;
    }
  }

  // -- Deliveries ------------------------------------------------------------------------------

  async listDeliveries(query: DeliveryListQuery = {}): Promise<Delivery[]> {
    return (await this.call('listDeliveries', { query })).deliveries;
  }

  /** Makes a dead (or delivered) delivery pending again, due now. */
  redeliver(id: string): Promise<Delivery> {
    return this.call('redeliver', { params: { id } });
  }

  // -- Templates -------------------------------------------------------------------------------

  async listTemplates(): Promise<Template[]> {
    return (await this.call('listTemplates', {})).templates;
  }

  // -- Keys ------------------------------------------------------------------------------------

  createKey(body: NonNullable<RequestOf<'createKey'>['body']>): Promise<ResponseOf<'createKey'>> {
    return this.call('createKey', { body });
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await this.call('listKeys', {})).keys;
  }

  revokeKey(id: string): Promise<void> {
    return this.call('revokeKey', { params: { id } });
  }
}

/** The problem in an error response; a made-up one when the server (or a proxy) sent something else. */
async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    if (parsed && typeof parsed === 'object' && typeof parsed.title === 'string') return { ...parsed, type: parsed.type ?? 'about:blank', title: parsed.title, status: parsed.status ?? response.status };
  } catch {
    // not JSON: fall through
  }
  return { type: 'about:blank', title: response.statusText || 'HTTP error', status: response.status, ...(text ? { detail: text.slice(0, 500) } : {}) };
}
