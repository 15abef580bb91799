import type { Json } from '../store/types.js';

/**
 * A template's way of saying why an attempt failed and whether trying again could help
 * (DESIGN.md "Retry": a failed assertion is not retryable; a timeout or a network error is).
 */
export class RunFailure extends Error {
  readonly kind: string;
  readonly retryable: boolean;
  readonly details: Json;

  constructor(message: string, options: { kind: string; retryable: boolean; details?: Json; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'RunFailure';
    this.kind = options.kind;
    this.retryable = options.retryable;
    this.details = options.details ?? null;
  }
}

/** The error document stored on attempts and runs. */
export type RunErrorRecord = { kind: string; message: string; retryable: boolean; details?: Json } & { [key: string]: Json };

/** Anything thrown that is not a RunFailure is an infrastructure surprise: worth one more try. */
export function toErrorRecord(error: unknown): RunErrorRecord {
  if (error instanceof RunFailure) {
    return { kind: error.kind, message: error.message, retryable: error.retryable, details: error.details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message, retryable: true };
}
