/**
 * Scripted faults of the WebAppel simulator: tests arm one for the next N requests (of one
 * `methode`, or any) and the server answers them badly instead of normally.
 */

export const FAULT_KINDS = [
  /** HTTP 500 with Apache's page. */
  'http500',
  /** HTTP 503 with `Retry-After` (a front end restarting or overloaded). */
  'http503',
  /** HTTP 429 with `Retry-After` (a rate limiter in front of the API). */
  'http429',
  /** HTTP 200 with an HTML maintenance page instead of the text answer. */
  'garbage',
  /** HTTP 200 with the first half of the real answer. */
  'truncated',
  /** HTTP 200 with the vendor's refused-login text, as a glitch of its account store gives. */
  'authError',
  /** No answer until the client gives up or the simulator closes. */
  'hang',
  /** The socket is destroyed without an answer. */
  'reset',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Requests it hits; 1 by default, `Infinity` until `clear()`. */
  count?: number;
  /** Only requests of this `methode`. */
  methode?: string;
  /** `http429` / `http503`: the `Retry-After` seconds (1 by default). */
  retryAfterSec?: number;
}

export interface ArmedFault {
  kind: FaultKind;
  retryAfterSec: number;
}

const DEFAULT_RETRY_AFTER_SEC = 1;

/** Faults armed for the next requests (of one methode, or any). */
export class WebAppelFaults {
  readonly #armed: { kind: FaultKind; methode: string | undefined; left: number; retryAfterSec: number }[] = [];
  /** @example sim.faults.arm('http500', { count: 2, methode: 'appel_listing' }) */
  arm(kind: FaultKind, options: FaultOptions = {}): void {
    const count = options.count ?? 1;
    if (!(count > 0)) throw new RangeError(`faults.arm: count must be > 0, got ${String(options.count)}`);
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new RangeError(`faults.arm: unknown kind ${String(kind)}`);
    this.#armed.push({ kind, methode: options.methode, left: count, retryAfterSec: options.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC });
  }
  take(methode: string): ArmedFault | undefined {
    const fault = this.#armed.find((f) => f.left > 0 && (f.methode === undefined || f.methode === methode));
    if (!fault) return undefined;
    fault.left--;
    return { kind: fault.kind, retryAfterSec: fault.retryAfterSec };
  }
  clear(): void {
    this.#armed.length = 0;
  }
}
