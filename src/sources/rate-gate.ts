/**
 * At most `permits` vendor requests in any rolling `intervalMs`, as the VENDOR sees them.
 *
 * A sliding window on start times (p-queue's `strict`) is not enough: requests started 1000 ms
 * apart can arrive closer together when the earlier one was slow to connect, and the PBX then
 * counts more than the limit in one second (measured at the MiRTA simulator: 7 for a limit of
 * 5). So a permit is held from the request's start until `intervalMs` after it completes: any
 * `permits + 1` arrivals within one interval would need `permits + 1` permits held at once.
 */
interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RateGate {
  readonly #intervalMs: number;
  #available: number;
  readonly #waiters: Waiter[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(permits: number, intervalMs: number) {
    if (!(permits >= 1)) throw new RangeError(`RateGate: permits must be >= 1, got ${permits}`);
    this.#available = permits;
    this.#intervalMs = intervalMs;
  }

  /** Resolves when a permit is taken (FIFO); rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0 && this.#waiters.length === 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** Gives the permit back `intervalMs` after the request completed. */
  releaseLater(): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#release();
    }, this.#intervalMs);
    this.#timers.add(timer);
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (!next) {
      this.#available++;
      return;
    }
    if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
    next.resolve();
  }

  /** Cancels pending releases (shutdown). */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
