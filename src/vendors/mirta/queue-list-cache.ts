/**
 * One `INFO queues` answer per tenant, shared by the agents and the queues polls. Both start by
 * listing the tenant's queues; the list changes when an administrator adds a queue, while the
 * agents poll runs every 2 s. Asking for it at every poll of both topics was a fifth of all
 * vendor traffic at the demo's intervals (docs/performance.md §5).
 *
 * The queues poll always asks afresh and refreshes the entry; the agents poll uses an entry no
 * older than `maxAgeMs` (the queues interval), so a new queue shows up in agents within one
 * queues interval, and never later than it did when each poll asked for itself. A failed
 * request caches nothing.
 */
import type { QueueListItem } from './parsers.js';

interface Entry {
  at: number;
  list: Promise<QueueListItem[]>;
}

export class QueueListCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: { maxAgeMs: number; now?: () => number }) {
    this.#maxAgeMs = options.maxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  /** The tenant's list: cached when `fresh` is false and the entry is young enough. */
  get(code: string, fetch: () => Promise<QueueListItem[]>, options: { fresh: boolean }): Promise<QueueListItem[]> {
    const now = this.#now();
    const cached = this.#entries.get(code);
    if (!options.fresh && cached !== undefined && now - cached.at < this.#maxAgeMs) return cached.list;
    const entry: Entry = { at: now, list: fetch() };
    this.#entries.set(code, entry);
    // A failure is the caller's to handle; it must not be served to the next poll.
    entry.list.catch(() => {
      if (this.#entries.get(code) === entry) this.#entries.delete(code);
    });
    return entry.list;
  }

  clear(): void {
    this.#entries.clear();
  }
}
