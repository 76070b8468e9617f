/**
 * Garbage-collection pauses of this process over a window, from perf_hooks' `gc` entries: how
 * much of a phase the server spent stopped, and its longest single stop, which a latency tail
 * can be compared with.
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export interface GcPauses {
  /** Sum of the pauses (ms). */
  readonly totalMs: number;
  /** The longest pause (ms). */
  readonly maxMs: number;
  readonly count: number;
}

export interface GcWindow {
  /** Stops observing; the pauses seen since `gcWindow()`. */
  stop(): Promise<GcPauses>;
}

/**
 * @example
 * const gc = gcWindow();
 * await phase();
 * const { totalMs, maxMs } = await gc.stop();
 */
export function gcWindow(): GcWindow {
  let totalMs = 0;
  let maxMs = 0;
  let count = 0;
  const take = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) {
      totalMs += entry.duration;
      maxMs = Math.max(maxMs, entry.duration);
      count++;
    }
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Entries are delivered asynchronously: let the last ones arrive before disconnecting.
      await new Promise((resolve) => setImmediate(resolve));
      take(observer.takeRecords());
      observer.disconnect();
      return { totalMs, maxMs, count };
    },
  };
}
