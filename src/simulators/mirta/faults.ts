/**
 * Scripted faults: tests arm one for the next N requests (optionally of one reqtype) and the
 * server answers those requests badly instead of normally.
 */
import { FaultQueue } from '../fault-queue.js';

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

export class MirtaFaults extends FaultQueue<FaultSpec> {
  constructor() {
    // A fault for one reqtype matches it in any case (`peers` is `PEERS`).
    super(FAULT_KINDS, (spec, reqtype) => spec.reqtype === undefined || spec.reqtype.toUpperCase() === reqtype.toUpperCase());
  }

  /**
   * Consumes the first fault armed for this reqtype, if any.
   * @example sim.faults.arm({ kind: 'http500', times: 2, reqtype: 'PEERS' }); sim.faults.take('PEERS')
   */
  take(reqtype: string): ArmedFault | undefined {
    const spec = this.next(reqtype);
    return spec && { kind: spec.kind, retryAfterSec: spec.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC, delayMs: spec.delayMs };
  }
}
