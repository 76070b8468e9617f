/**
 * Scripted faults: tests arm one for the next N requests (optionally of one reqtype) and the
 * server answers those requests badly instead of normally.
 */

export const FAULT_KINDS = [
  /** HTTP 500 with an Apache-style body. */
  'http500',
  /** HTTP 429 with `Retry-After` (no MiRTA host is known to do it; a proxy in front might). */
  'http429',
  /** HTTP 503 with `Retry-After`: Apache in front of a PBX being restarted or overloaded. */
  'http503',
  /** The HTTP 200 auth-error text, as a key glitch on the vendor side gives. */
  'authError',
  /** HTTP 200, 0 bytes. */
  'empty',
  /** HTTP 200 with a PHP warning instead of data. */
  'garbage',
  /** HTTP 200 with the first half of the real body. */
  'truncated',
  /** No answer until the client gives up or the simulator closes (or `delayMs`, then normal). */
  'hang',
  /** The socket is destroyed without an answer. */
  'reset',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  readonly kind: FaultKind;
  /** How many matching requests it hits; 1 by default, `Infinity` until cleared. */
  readonly times?: number;
  /** Only requests of this reqtype (case-insensitive). */
  readonly reqtype?: string;
  /** `http429` / `http503`: the `Retry-After` seconds (1 by default). */
  readonly retryAfterSec?: number;
  /** `hang`: answer normally after this delay instead of never. */
  readonly delayMs?: number;
}

export interface ArmedFault {
  readonly kind: FaultKind;
  readonly retryAfterSec: number;
  readonly delayMs: number | undefined;
}

export const HTTP500_BODY =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>500 Internal Server Error</title>\n' +
  '</head><body>\n<h1>Internal Server Error</h1>\n</body></html>\n';
export const HTTP503_BODY =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>503 Service Unavailable</title>\n' +
  '</head><body>\n<h1>Service Unavailable</h1>\n</body></html>\n';
export const GARBAGE_BODY =
  '<br />\n<b>Warning</b>:  mysqli_connect(): (HY000/2002): Connection refused in ' +
  '<b>/var/www/html/pbx/proxyapi.php</b> on line <b>42</b><br />\n';
const DEFAULT_RETRY_AFTER_SEC = 1;

interface Slot {
  readonly spec: FaultSpec;
  remaining: number;
}

export class MirtaFaults {
  readonly #slots: Slot[] = [];

  /**
   * Arms a fault; faults armed earlier fire first.
   * @example sim.faults.arm({ kind: 'http500', times: 2, reqtype: 'PEERS' })
   */
  arm(spec: FaultSpec): this {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new RangeError(`faults.arm: times must be > 0, got ${String(spec.times)}`);
    if (!(FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new RangeError(`faults.arm: unknown kind ${String(spec.kind)}`);
    this.#slots.push({ spec, remaining: times });
    return this;
  }

  /** Consumes the first fault armed for this reqtype, if any. */
  take(reqtype: string): ArmedFault | undefined {
    const wanted = reqtype.toUpperCase();
    const index = this.#slots.findIndex((slot) => slot.spec.reqtype === undefined || slot.spec.reqtype.toUpperCase() === wanted);
    const slot = this.#slots[index];
    if (!slot) return undefined;
    slot.remaining -= 1;
    if (slot.remaining <= 0) this.#slots.splice(index, 1);
    return {
      kind: slot.spec.kind,
      retryAfterSec: slot.spec.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC,
      delayMs: slot.spec.delayMs,
    };
  }

  /** Requests still to be hit (Infinity when a fault is armed without end). */
  get pending(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.remaining, 0);
  }

  clear(): void {
    this.#slots.length = 0;
  }
}
