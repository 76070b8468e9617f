/**
 * Per-source circuit breaker for commands. After `threshold` consecutive failures that say the
 * vendor is unwell (unreachable, no answer in time) it opens: commands answer `unavailable`
 * without reaching the vendor, so a dead PBX is not hammered and clicks fail fast. After
 * `cooldownMs` one probe goes through (half-open); its success closes the circuit, its failure
 * re-opens it for another cooldown.
 */
import { UnavailableError } from '../errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * What a finished attempt says about the vendor:
 * - `healthy`: the vendor answered (a refusal is an answer: it says nothing bad about its health);
 * - `unwell`: unreachable or silent (`unavailable`, `timeout`);
 * - `neutral`: it never reached the vendor (rate limited, shut down) or a bug of ours.
 */
export type AttemptVerdict = 'healthy' | 'unwell' | 'neutral';

export interface CircuitBreakerOptions {
  threshold: number;
  cooldownMs: number;
  /** Epoch ms (or any monotonic ms); injected so tests need no timers. */
  now?: () => number;
}

/** An admitted attempt; hand it back to `settle`. */
export interface BreakerTicket {
  readonly probe: boolean;
}

/** `unavailable` because the circuit is open; carries when a retry may go through. */
export class CircuitOpenError extends UnavailableError {
  readonly retryAfterSec: number;
  constructor(message: string, retryAfterSec: number) {
    super(message);
    this.retryAfterSec = retryAfterSec;
  }
}

/**
 * @example
 * const breaker = new CircuitBreaker({ threshold: 5, cooldownMs: 10_000 });
 * const ticket = breaker.admit(); // undefined while open: answer `unavailable`
 * try { await send(); breaker.settle(ticket, 'healthy'); }
 * catch (err) { breaker.settle(ticket, verdictOf(err)); }
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | undefined;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.threshold) || options.threshold < 1) {
      throw new RangeError(`threshold: expected an integer >= 1, received ${options.threshold}`);
    }
    if (!(options.cooldownMs >= 0)) throw new RangeError(`cooldownMs: expected >= 0, received ${options.cooldownMs}`);
    this.#threshold = options.threshold;
    this.#cooldownMs = options.cooldownMs;
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#openedAt === undefined) return 'closed';
    return this.#probing || this.#cooledDown() ? 'half-open' : 'open';
  }

  /** Consecutive unwell attempts so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Ms until a probe may go through (0 when closed or a probe may go now). */
  retryAfterMs(): number {
    if (this.#openedAt === undefined) return 0;
    return Math.max(0, this.#openedAt + this.#cooldownMs - this.#now());
  }

  /** Lets an attempt through, or returns undefined while the circuit refuses. */
  admit(): BreakerTicket | undefined {
    if (this.#openedAt === undefined) return { probe: false };
    // One probe at a time: the others keep failing fast until it settles.
    if (this.#probing || !this.#cooledDown()) return undefined;
    this.#probing = true;
    return { probe: true };
  }

  settle(ticket: BreakerTicket, verdict: AttemptVerdict): void {
    if (ticket.probe) {
      this.#probing = false;
      if (verdict === 'healthy') this.#close();
      else if (verdict === 'unwell') this.#open();
      // neutral: the probe never reached the vendor; the next attempt probes instead.
      return;
    }
    // Attempts admitted before the circuit opened settle late; only the probe decides then.
    if (this.#openedAt !== undefined) return;
    if (verdict === 'healthy') this.#failures = 0;
    else if (verdict === 'unwell' && ++this.#failures >= this.#threshold) this.#open();
  }

  /** Ready-made `unavailable` error for a refused attempt. */
  openError(sourceId: string): CircuitOpenError {
    const retryAfterSec = Math.max(1, Math.ceil(this.retryAfterMs() / 1000));
    return new CircuitOpenError(`source "${sourceId}" is unavailable (circuit open); the command was not sent`, retryAfterSec);
  }

  #cooledDown(): boolean {
    return this.#openedAt !== undefined && this.#now() - this.#openedAt >= this.#cooldownMs;
  }

  #open(): void {
    this.#openedAt = this.#now();
  }

  #close(): void {
    this.#openedAt = undefined;
    this.#failures = 0;
  }
}
