/**
 * Wall-clock time in milliseconds with sub-millisecond resolution. Two processes on one machine
 * read the same system clock through `performance.timeOrigin`; the fan-out bench still measures
 * the residual offset between them (see fanout/client-fleet.ts) and corrects for it.
 */
import { performance } from 'node:perf_hooks';

export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Yields to the event loop once (I/O callbacks run), without a timer's 1 ms floor. */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** CPU time (user + system) this process used since `since`, in ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
}
