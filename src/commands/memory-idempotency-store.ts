/** The single-node IdempotencyStore: a Map with expiry, bounded in size. */
import type { CommandAck } from './command-service.js';
import type { IdempotencyStore, Reservation } from './idempotency-store.js';

export interface MemoryIdempotencyStoreOptions {
  /** Epoch ms; tests pass their own clock. */
  now?: () => number;
  /**
   * Most entries held. Beyond it the oldest completed entries go first (an early forgotten id
   * costs at worst one more vendor request; unbounded memory costs the process). Pending
   * claims are never evicted: they are bounded by the sources' queues anyway.
   */
  maxEntries?: number;
  /** Expired entries are swept at most this often (ms), on access. */
  sweepIntervalMs?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

type Waiter = (ack: CommandAck | undefined) => void;

interface Entry {
  fingerprint: string;
  expiresAt: number;
  ack?: CommandAck;
  waiters: Set<Waiter>;
}

/**
 * @example
 * const store = new MemoryIdempotencyStore();
 * const r = await store.reserve('cmd:acme:c1', fingerprint, 15_000);
 * if (r.status === 'new') await store.complete('cmd:acme:c1', fingerprint, ack, 86_400_000);
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #sweepIntervalMs: number;
  #lastSweep: number;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.#lastSweep = this.#now();
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  async reserve(key: string, fingerprint: string, pendingTtlMs: number): Promise<Reservation> {
    const now = this.#now();
    this.#maybeSweep(now);
    const entry = this.#live(key, now);
    if (entry) {
      if (entry.fingerprint !== fingerprint) return { status: 'mismatch' };
      return entry.ack ? { status: 'completed', ack: entry.ack } : { status: 'pending' };
    }
    this.#entries.set(key, { fingerprint, expiresAt: now + pendingTtlMs, waiters: new Set() });
    this.#evictOverflow();
    return { status: 'new' };
  }

  async complete(key: string, fingerprint: string, ack: CommandAck, ttlMs: number): Promise<void> {
    const waiters = this.#entries.get(key)?.waiters ?? new Set<Waiter>();
    // Delete then set: Map order becomes completion order, which eviction relies on.
    this.#entries.delete(key);
    this.#entries.set(key, { fingerprint, ack, expiresAt: this.#now() + ttlMs, waiters: new Set() });
    for (const waiter of waiters) waiter(ack);
  }

  async release(key: string, ack: CommandAck): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry || entry.ack) return;
    this.#entries.delete(key);
    for (const waiter of entry.waiters) waiter(ack);
  }

  wait(key: string, timeoutMs: number): Promise<CommandAck | undefined> {
    const entry = this.#live(key, this.#now());
    if (!entry) return Promise.resolve(undefined);
    if (entry.ack) return Promise.resolve(entry.ack);
    return new Promise((resolve) => {
      const done: Waiter = (ack) => {
        clearTimeout(timer);
        entry.waiters.delete(done);
        resolve(ack);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      timer.unref();
      entry.waiters.add(done);
    });
  }

  async close(): Promise<void> {
    for (const entry of this.#entries.values()) for (const waiter of entry.waiters) waiter(undefined);
    this.#entries.clear();
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry;
    this.#drop(key, entry);
    return undefined;
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    for (const waiter of entry.waiters) waiter(undefined);
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < this.#sweepIntervalMs) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#drop(key, entry);
  }

  #evictOverflow(): void {
    if (this.#entries.size <= this.#maxEntries) return;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries) return;
      if (entry.ack) this.#drop(key, entry);
    }
  }
}
