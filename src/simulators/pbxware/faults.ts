/**
 * Scripted faults: tests arm one for the next N requests (optionally of one action) and the
 * simulator answers those badly instead of normally.
 */

export const PBXWARE_FAULT_KINDS = [
  /** HTTP 500 with an Apache-style page. */
  'http500',
  /** HTTP 200, `{"error":"Invalid API key."}` although the key is right (a key revoked meanwhile). */
  'badKey',
  /** HTTP 200, `{"error":"<text>"}` (`text`, or a database error by default). */
  'errorBody',
  /** HTTP 200 with a PHP warning instead of JSON. */
  'garbage',
  /** HTTP 200 with `[]`: what PHP's json_encode gives for an empty list. */
  'emptyList',
  /** HTTP 200 with the first half of the real body. */
  'truncated',
  /** No answer until the client gives up or the simulator closes (or `delayMs`, then normal). */
  'hang',
  /** The socket is destroyed without an answer. */
  'reset',
] as const;
export type PbxwareFaultKind = (typeof PBXWARE_FAULT_KINDS)[number];

export interface PbxwareFaultSpec {
  readonly kind: PbxwareFaultKind;
  /** How many matching requests it hits; 1 by default, `Infinity` until cleared. */
  readonly times?: number;
  /** Only requests of this action (`pbxware.ext.list`). */
  readonly action?: string;
  /** `errorBody`: the error text. */
  readonly text?: string;
  /** `hang`: answer normally after this delay instead of never. */
  readonly delayMs?: number;
}

export const PHP_WARNING_BODY =
  '<br />\n<b>Warning</b>:  mysqli_connect(): (HY000/2002): Connection refused in ' +
  '<b>/var/www/html/index.php</b> on line <b>27</b><br />\n';
export const HTTP500_BODY =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>500 Internal Server Error</title>\n' +
  '</head><body>\n<h1>Internal Server Error</h1>\n</body></html>\n';
export const DEFAULT_ERROR_TEXT = 'Database error.';

interface Slot {
  readonly spec: PbxwareFaultSpec;
  remaining: number;
}

export class PbxwareFaults {
  readonly #slots: Slot[] = [];

  /**
   * Arms a fault; faults armed earlier fire first.
   * @example sim.faults.arm({ kind: 'garbage', action: 'pbxware.ext.list', times: 2 })
   */
  arm(spec: PbxwareFaultSpec): this {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new RangeError(`faults.arm: times must be > 0, got ${String(spec.times)}`);
    if (!(PBXWARE_FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new RangeError(`faults.arm: unknown kind ${String(spec.kind)}`);
    this.#slots.push({ spec, remaining: times });
    return this;
  }

  /** Consumes the first fault armed for this action, if any. */
  take(action: string): PbxwareFaultSpec | undefined {
    const index = this.#slots.findIndex((slot) => slot.spec.action === undefined || slot.spec.action === action);
    const slot = this.#slots[index];
    if (!slot) return undefined;
    slot.remaining -= 1;
    if (slot.remaining <= 0) this.#slots.splice(index, 1);
    return slot.spec;
  }

  /** Requests still to be hit (Infinity when a fault is armed without end). */
  get pending(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.remaining, 0);
  }

  clear(): void {
    this.#slots.length = 0;
  }
}
