/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts. The loser of
 * the race still settles later; its rejection is kept from going unhandled.
 *
 * @example
 * const answer = await raceAbort(vendorRequest, AbortSignal.timeout(5_000));
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
