/**
 * Timers a simulator owns (PBX progressions, quickcall progress, calls being answered, latency,
 * slow answers), all cancelled by `cancelAll()` so a closed simulator leaves nothing running.
 */

export interface SchedulerOptions {
  /** Receives what a scheduled callback throws (it must not kill the process); ignored by default. */
  onError?: (err: unknown) => void;
  /** Timers do not keep the process alive (for side effects nobody awaits). */
  unref?: boolean;
}

export class Scheduler {
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  readonly #onError: (err: unknown) => void;
  readonly #unref: boolean;

  constructor(options: SchedulerOptions = {}) {
    this.#onError = options.onError ?? (() => undefined);
    this.#unref = options.unref ?? false;
  }

  /** Runs `fn` after `delayMs`, unless cancelled first. */
  after(delayMs: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        fn();
      } catch (err) {
        this.#onError(err);
      }
    }, Math.max(0, delayMs));
    if (this.#unref) timer.unref();
    this.#timers.add(timer);
  }

  /** Resolves after `delayMs`; never resolves once cancelled (the request it delays is dropped). */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.after(delayMs, resolve));
  }

  get pending(): number {
    return this.#timers.size;
  }

  cancelAll(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
