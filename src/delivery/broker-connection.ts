import type { SendOutcome } from './destination.js';
import { SdkLoadError } from './sdk-loader.js';

/**
 * Connection handling shared by the broker destinations (RabbitMQ, NATS, Redis): one connection
 * opened on first use and reused by every send, dropped when it breaks so the next send opens a
 * fresh one, and sends bounded by a timeout and the relay's abort signal.
 */
export class LazyConnection<T> {
  #current: Promise<T> | undefined;
  /** The open in progress, until it settles. */
  #pending: Promise<T> | undefined;
  #closed = false;

  constructor(
    private readonly open: () => Promise<T>,
    private readonly disposeConnection: (connection: T) => Promise<void>,
    /** How long a close may take: closing a connection whose socket just died can wait forever. */
    private readonly disposeTimeoutMs: number,
  ) {}

  private async dispose(connection: T): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.disposeTimeoutMs);
      timer.unref();
    });
    await Promise.race([this.disposeConnection(connection).catch(() => {}), gaveUp]);
    clearTimeout(timer);
  }

  /** The open connection, opening it if there is none. A failed open is not cached. */
  get(): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('destination is closed'));
    if (!this.#current) {
      const opening = this.open();
      this.#current = opening;
      this.#pending = opening;
      opening.then(
        () => {
          if (this.#pending === opening) this.#pending = undefined;
        },
        () => {
          if (this.#pending === opening) this.#pending = undefined;
          if (this.#current === opening) this.#current = undefined;
        },
      );
    }
    return this.#current;
  }

  /**
   * Gives up on `opening` if it is still connecting (a service that accepts the socket and never
   * answers): the next `get()` starts a new attempt, and a late connection is closed.
   */
  abandon(opening: Promise<T>): void {
    if (this.#pending !== opening) return;
    this.#pending = undefined;
    if (this.#current === opening) this.#current = undefined;
    opening.then((connection) => this.dispose(connection), () => {});
  }

  /**
   * Forgets the current connection (disposing it quietly) so the next `get()` reconnects. With
   * `broken`, only that connection is dropped: a newer one opened meanwhile is kept.
   */
  async reset(broken?: T): Promise<void> {
    const current = this.#current;
    if (!current) return;
    const connection = await current.catch(() => undefined);
    if (connection === undefined || (broken !== undefined && connection !== broken)) return;
    if (this.#current === current) this.#current = undefined;
    await this.dispose(connection);
  }

  /** Closes the connection and refuses further use; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.reset();
  }
}

/** A send that ran out of time or was aborted by the relay: always worth retrying. */
export class SendTimeout extends Error {
  override readonly name = 'SendTimeout';
}

/**
 * Resolves with `work`, or rejects with SendTimeout after `timeoutMs` or when `signal` aborts.
 * The work itself is not cancelled (the client libraries have no per-call cancel); its late
 * result is ignored.
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(new SendTimeout(`${what}: aborted`));
  }
  return new Promise<T>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      finish();
      reject(new SendTimeout(`${what}: aborted`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new SendTimeout(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}

/** Node's socket error codes that mean "the service is not there right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
]);

/** The error's code (`ECONNREFUSED`, a client library's code…), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  // AggregateError from a failed connect to several addresses (IPv4 + IPv6).
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return errors.map(errorCode).find((c) => c !== undefined);
  return undefined;
}

/** Whether the error is a network-level failure (nothing reached the service). */
export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return error instanceof SendTimeout || (code !== undefined && NETWORK_CODES.has(code));
}

/** A readable one-line description: the message, and the code when the message lacks it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  const message = error.message || (error instanceof AggregateError ? 'connection failed' : error.name);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/** A failed send; a client library that cannot be loaded is never worth retrying. */
export function failed(what: string, error: unknown, retryable: boolean): SendOutcome {
  return { ok: false, error: `${what}: ${describeError(error)}`, retryable: retryable && !(error instanceof SdkLoadError) };
}

/** A connection URL without its password, for error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
