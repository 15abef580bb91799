/**
 * Client SDKs of the destinations (@aws-sdk/client-s3, amqplib, nats, ioredis) are loaded on the
 * first send, not when the module is imported: the config schema imports every destination, and
 * loading all four SDKs up front made every `agentcron` start-up pay for them (a restarted `serve`
 * would take over a second before it could work).
 */

/** The SDK could not be loaded (not installed, broken install): no retry can fix that. */
export class SdkLoadError extends Error {
  override readonly name = 'SdkLoadError';
}

/**
 * A memoised loader for `packageName`: `load` (a `() => import('…')`) runs once, on first call;
 * every later call gets the same module, or the same SdkLoadError.
 */
export function lazySdk<T>(packageName: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SdkLoadError(`cannot load the client library ${packageName} (is it installed?): ${reason}`, { cause: error });
    });
    return loading;
  };
}
