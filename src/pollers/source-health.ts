/**
 * A source's health from its polls (or its socket): `up` while everything answers, `degraded`
 * at the first failure, `down` after `downAfter` consecutive failures of any one poll. Reports
 * transitions only, one each.
 */
import type { SourceStatus } from '../protocol/entities.js';

export interface HealthChange {
  status: SourceStatus;
  lastOkAt: string | undefined;
  lastError: string | undefined;
}

export class SourceHealth {
  readonly #downAfter: number;
  readonly #failures = new Map<string, number>();
  readonly #onChange: (change: HealthChange) => void;
  readonly #now: () => Date;
  #status: SourceStatus | undefined;
  #lastOkAt: string | undefined;
  #lastError: string | undefined;
  /** Set by event-driven sources (a websocket) over the poll-derived status. */
  #override: SourceStatus | undefined;

  constructor(options: { downAfter: number; onChange: (change: HealthChange) => void; now?: () => Date }) {
    this.#downAfter = options.downAfter;
    this.#onChange = options.onChange;
    this.#now = options.now ?? (() => new Date());
  }

  get status(): SourceStatus | undefined {
    return this.#status;
  }
  get lastOkAt(): string | undefined {
    return this.#lastOkAt;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  succeeded(part: string): void {
    this.#failures.set(part, 0);
    this.#lastOkAt = this.#now().toISOString();
    this.#update();
  }

  failed(part: string, message: string): void {
    this.#failures.set(part, (this.#failures.get(part) ?? 0) + 1);
    this.#lastError = message;
    this.#update();
  }

  /** For connection-driven sources: forces a status (undefined gives control back to polls). */
  override(status: SourceStatus | undefined, message?: string): void {
    this.#override = status;
    if (message !== undefined) this.#lastError = message;
    if (status === 'up') this.#lastOkAt = this.#now().toISOString();
    this.#update();
  }

  /** Forgets a part (a poll that was turned off). */
  forget(part: string): void {
    this.#failures.delete(part);
    this.#update();
  }

  #derived(): SourceStatus {
    let worst = 0;
    for (const count of this.#failures.values()) worst = Math.max(worst, count);
    if (worst >= this.#downAfter) return 'down';
    return worst > 0 ? 'degraded' : 'up';
  }

  #update(): void {
    const next = this.#override ?? this.#derived();
    if (next === this.#status) return;
    this.#status = next;
    this.#onChange({ status: next, lastOkAt: this.#lastOkAt, lastError: next === 'up' ? undefined : this.#lastError });
  }
}
