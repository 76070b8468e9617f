/**
 * Scripted faults: tests arm one for the next N requests (optionally of one action) and the
 * simulator answers those badly instead of normally.
 */
import { FaultQueue } from '../fault-queue.js';

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

export class PbxwareFaults extends FaultQueue<PbxwareFaultSpec> {
  constructor() {
    super(PBXWARE_FAULT_KINDS, (spec, action) => spec.action === undefined || spec.action === action);
  }

  /**
   * Consumes the first fault armed for this action, if any.
   * @example sim.faults.arm({ kind: 'garbage', action: 'pbxware.ext.list', times: 2 })
   */
  take(action: string): PbxwareFaultSpec | undefined {
    return this.next(action);
  }
}
