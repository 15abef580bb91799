/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts (a crashed browser
 * must not wait for a step's or action's timeout). `work` keeps running; its later rejection is
 * observed so it cannot become an unhandled rejection.
 */
export function failFast<T>(work: Promise<T>, failure: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (failure.aborted) return Promise.reject(failure.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onFail = () => reject(failure.reason as Error);
    failure.addEventListener('abort', onFail, { once: true });
    work.then(resolve, reject).finally(() => failure.removeEventListener('abort', onFail));
  });
}
