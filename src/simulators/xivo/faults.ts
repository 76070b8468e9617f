/**
 * Scripted faults of the XiVO simulator: tests arm one for the next N requests (optionally only
 * those whose path matches) and the web services answer them badly instead of normally.
 *
 * @example
 * sim.faults.arm({ kind: 'http503', times: Infinity, path: 'call_management/cel', retryAfterSec: 1 });
 * sim.faults.clear();
 */

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

interface Slot {
  readonly spec: XivoFaultSpec;
  remaining: number;
}

const matches = (spec: XivoFaultSpec, path: string): boolean =>
  spec.path === undefined || (typeof spec.path === 'string' ? path.includes(spec.path) : spec.path.test(path));

export class XivoFaults {
  readonly #slots: Slot[] = [];

  /** Arms a fault; faults armed earlier fire first. */
  arm(spec: XivoFaultSpec): this {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new RangeError(`faults.arm: times must be > 0, got ${String(spec.times)}`);
    if (!(XIVO_FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new RangeError(`faults.arm: unknown kind ${String(spec.kind)}`);
    this.#slots.push({ spec, remaining: times });
    return this;
  }

  /** Consumes the first fault armed for this path, if any. */
  take(path: string): ArmedXivoFault | undefined {
    const index = this.#slots.findIndex((slot) => matches(slot.spec, path));
    const slot = this.#slots[index];
    if (!slot) return undefined;
    slot.remaining -= 1;
    if (slot.remaining <= 0) this.#slots.splice(index, 1);
    return { kind: slot.spec.kind, retryAfterSec: slot.spec.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC, status: slot.spec.status ?? DEFAULT_STATUS };
  }

  /** Requests still to be hit (Infinity when a fault is armed without end). */
  get pending(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.remaining, 0);
  }

  clear(): void {
    this.#slots.length = 0;
  }
}
