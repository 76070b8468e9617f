/** Polls `predicate` in real time until it holds; fails with `message` after `timeout` ms. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  options: { timeout?: number; interval?: number; message?: string } = {},
): Promise<void> {
  const timeout = options.timeout ?? 5_000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(options.message ?? `waitFor: condition not met within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Resolves after `ms` milliseconds of real time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
