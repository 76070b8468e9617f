/** Timers the simulator starts on its own (calls being answered), all cancellable at close. */
export class Scheduler {
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  /** Runs `task` after `ms` unless the simulator closed meanwhile. Errors are swallowed. */
  after(ms: number, task: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        task();
      } catch {
        // A simulated side effect failing must not crash the test process.
      }
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
