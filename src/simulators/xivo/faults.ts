/**
 * Scripted faults of the XiVO simulator: tests arm one for the next N requests (optionally only
 * those whose path matches) and the web services answer them badly instead of normally.
 *
 * @example
 * sim.faults.arm({ kind: 'http503', times: Infinity, path: 'call_management/cel', retryAfterSec: 1 });
 * sim.faults.clear();
 */
import { FaultQueue, matchesPath } from '../fault-queue.js';

export const XIVO_FAULT_KINDS = [
  /** HTTP 500 with Apache's page. */
  'http500',
  /** HTTP 429 with `Retry-After` (a rate limiter in front of the web services). */
  'http429',
  /** HTTP 503 with `Retry-After` (nginx while PHP-FPM restarts). */
  'http503',
  /** HTTP 401 with the Basic challenge, as for a bad password (the web-service user was edited). */
  'auth401',
  /** HTTP 200 with a PHP error page instead of JSON. */
  'garbage',
  /** HTTP 200 with the first half of the real JSON (a consistent Content-Length). */
  'truncated',
  /** No answer until the client gives up or the simulator closes. */
  'hang',
  /** The socket is destroyed without an answer. */
  'reset',
  /** A bare status of the test's choice (`status`), no body: what `failNext` arms. */
  'status',
] as const;
export type XivoFaultKind = (typeof XIVO_FAULT_KINDS)[number];

export interface XivoFaultSpec {
  readonly kind: XivoFaultKind;
  /** How many matching requests it hits; 1 by default, `Infinity` until cleared. */
  readonly times?: number;
  /** Only requests whose path contains this text (or matches this pattern). */
  readonly path?: RegExp | string;
  /** `http429` / `http503`: the `Retry-After` seconds (1 by default). */
  readonly retryAfterSec?: number;
  /** `status`: the HTTP status answered (500 by default). */
  readonly status?: number;
}

export interface ArmedXivoFault {
  readonly kind: XivoFaultKind;
  readonly retryAfterSec: number;
  readonly status: number;
}

export const XIVO_GARBAGE_BODY =
  '<br />\n<b>Fatal error</b>:  Uncaught PDOException: SQLSTATE[08006] could not connect to server in ' +
  '<b>/usr/share/xivo-web-interface/lib/dao.php</b> on line <b>87</b><br />\n';
const DEFAULT_RETRY_AFTER_SEC = 1;
const DEFAULT_STATUS = 500;

export class XivoFaults extends FaultQueue<XivoFaultSpec> {
  constructor() {
    super(XIVO_FAULT_KINDS, matchesPath);
  }

  /** Consumes the first fault armed for this path, if any. */
  take(path: string): ArmedXivoFault | undefined {
    const spec = this.next(path);
    return spec && { kind: spec.kind, retryAfterSec: spec.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC, status: spec.status ?? DEFAULT_STATUS };
  }
}
