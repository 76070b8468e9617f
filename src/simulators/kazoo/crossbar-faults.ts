/**
 * Scripted crossbar faults: tests arm one for the next N requests (optionally only those whose
 * path matches) and crossbar answers them badly instead of normally. Nothing armed, nothing
 * changes: the simulator stays faithful.
 *
 * @example
 * sim.faults.arm({ kind: 'http503', times: Infinity, path: /\/agents/, retryAfterSec: 1 });
 * // ... later
 * sim.faults.clear();
 */
import { FaultQueue, matchesPath } from '../fault-queue.js';

export const CROSSBAR_FAULT_KINDS = [
  /** HTTP 500 with crossbar's error envelope (a crashed Erlang handler). */
  'http500',
  /** HTTP 429 with `Retry-After` and crossbar's envelope (crossbar's own rate limiter). */
  'http429',
  /** HTTP 503 with `Retry-After`, a bare HAProxy page (no crossbar node behind the proxy). */
  'http503',
  /** HTTP 401 `invalid credentials`, crossbar's envelope (a token the cluster forgot). */
  'auth401',
  /** HTTP 200 with an HTML page instead of the JSON envelope (a captive proxy, a maintenance page). */
  'garbage',
  /** HTTP 200 with the first half of the real JSON body (a consistent Content-Length). */
  'truncated',
  /** No answer until the client gives up or the simulator closes. */
  'hang',
  /** The socket is destroyed without an answer. */
  'reset',
] as const;
export type CrossbarFaultKind = (typeof CROSSBAR_FAULT_KINDS)[number];

export interface CrossbarFaultSpec {
  readonly kind: CrossbarFaultKind;
  /** How many matching requests it hits; 1 by default, `Infinity` until cleared. */
  readonly times?: number;
  /** Only requests whose path (`/v2/accounts/.../agents/status`) matches. */
  readonly path?: RegExp | string;
  /** `http429` / `http503`: the `Retry-After` seconds (1 by default). */
  readonly retryAfterSec?: number;
}

export interface ArmedCrossbarFault {
  readonly kind: CrossbarFaultKind;
  readonly retryAfterSec: number;
}

export const GARBAGE_PAGE = '<html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>\n';
export const HAPROXY_503_PAGE =
  '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';
const DEFAULT_RETRY_AFTER_SEC = 1;

export class CrossbarFaults extends FaultQueue<CrossbarFaultSpec> {
  constructor() {
    super(CROSSBAR_FAULT_KINDS, matchesPath);
  }

  /** Consumes the first fault armed for this path, if any. */
  take(path: string): ArmedCrossbarFault | undefined {
    const spec = this.next(path);
    return spec && { kind: spec.kind, retryAfterSec: spec.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC };
  }
}
