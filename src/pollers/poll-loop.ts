/**
 * One poll loop: runs `poll` every `intervalMs`, never overlapping itself (the next run is
 * scheduled when the previous one ends), each run bounded by `timeoutMs`, and backing off
 * exponentially (with jitter) while runs fail.
 */
import { isPollError } from './poll-error.js';

export interface PollLoopOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Longest wait between two runs while failing. */
  maxBackoffMs?: number;
  poll: (signal: AbortSignal) => Promise<void>;
  onSuccess?: () => void;
  onFailure?: (err: unknown) => void;
  random?: () => number;
}

const DEFAULT_MAX_BACKOFF_MS = 30_000;

export class PollLoop {
  #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #maxBackoffMs: number;
  readonly #options: PollLoopOptions;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #failures = 0;
  #retryAfterMs: number | undefined;
  #stopped = true;

  constructor(options: PollLoopOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBackoffMs = Math.max(options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, options.intervalMs);
    this.#random = options.random ?? Math.random;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Starts at once (first run now). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Changes the interval; a shorter one takes effect now rather than after the old wait. */
  setInterval(intervalMs: number): void {
    const shorter = intervalMs < this.#intervalMs;
    this.#intervalMs = intervalMs;
    if (shorter && this.#timer !== undefined && !this.#stopped) this.#schedule(0);
  }

  /** Runs now unless a run is under way (then the normal schedule continues). */
  triggerNow(): void {
    if (this.#stopped || this.#running) return;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
      });
    }, delayMs);
    this.#timer.unref?.();
  }

  #nextDelay(): number {
    if (this.#failures === 0) return this.#intervalMs;
    const backoff = Math.min(this.#intervalMs * 2 ** (this.#failures - 1), this.#maxBackoffMs);
    // Jitter spreads the retries of many sources that failed together (a network blip).
    const jittered = Math.round(backoff * (0.8 + 0.4 * this.#random()));
    // A vendor that said when to come back (429 / 503 Retry-After) is not asked sooner, within
    // the backoff ceiling: a storm of 429s must not get the same request rate as a 500 storm.
    const asked = Math.min(this.#retryAfterMs ?? 0, Math.max(this.#maxBackoffMs, 60_000));
    return Math.max(jittered, asked);
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    const abort = new AbortController();
    this.#abort = abort;
    const timer = setTimeout(() => abort.abort(new Error('poll timed out')), this.#timeoutMs);
    try {
      await this.#options.poll(abort.signal);
      this.#failures = 0;
      this.#retryAfterMs = undefined;
      if (!this.#stopped) this.#options.onSuccess?.();
    } catch (err) {
      this.#failures++;
      this.#retryAfterMs = isPollError(err) ? err.retryAfterMs : undefined;
      if (!this.#stopped) this.#options.onFailure?.(err);
    } finally {
      clearTimeout(timer);
      this.#abort = undefined;
    }
    if (!this.#stopped) this.#schedule(this.#nextDelay());
  }

  /** Stops scheduling, aborts a run under way and waits for it to settle. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort(new Error('poll loop stopped'));
    await this.#running;
  }
}
