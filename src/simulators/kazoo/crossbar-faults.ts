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

interface Slot {
  readonly spec: CrossbarFaultSpec;
  remaining: number;
}

const matches = (spec: CrossbarFaultSpec, path: string): boolean =>
  spec.path === undefined || (typeof spec.path === 'string' ? path.includes(spec.path) : spec.path.test(path));

export class CrossbarFaults {
  readonly #slots: Slot[] = [];

  /** Arms a fault; faults armed earlier fire first. */
  arm(spec: CrossbarFaultSpec): this {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new RangeError(`faults.arm: times must be > 0, got ${String(spec.times)}`);
    if (!(CROSSBAR_FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new RangeError(`faults.arm: unknown kind ${String(spec.kind)}`);
    this.#slots.push({ spec, remaining: times });
    return this;
  }

  /** Consumes the first fault armed for this path, if any. */
  take(path: string): ArmedCrossbarFault | undefined {
    const index = this.#slots.findIndex((slot) => matches(slot.spec, path));
    const slot = this.#slots[index];
    if (!slot) return undefined;
    slot.remaining -= 1;
    if (slot.remaining <= 0) this.#slots.splice(index, 1);
    return { kind: slot.spec.kind, retryAfterSec: slot.spec.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC };
  }

  /** Requests still to be hit (Infinity when a fault is armed without end). */
  get pending(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.remaining, 0);
  }

  clear(): void {
    this.#slots.length = 0;
  }
}
