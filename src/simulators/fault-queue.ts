/**
 * The armed faults of a simulator: tests arm one for the next N matching requests, and each
 * request takes the first fault that matches it. Every vendor simulator has one; what a fault
 * matches (a path, a reqtype, an action) and what it answers stay the vendor's.
 *
 * @example
 * class XivoFaults extends FaultQueue<XivoFaultSpec> {
 *   constructor() { super(XIVO_FAULT_KINDS, (spec, path) => spec.path === undefined || path.includes(spec.path)); }
 * }
 */

/** What every fault spec has: its kind, and how many matching requests it hits. */
export interface ArmableFault {
  readonly kind: string;
  /** 1 by default, `Infinity` until cleared. */
  readonly times?: number;
}

interface Slot<S> {
  readonly spec: S;
  remaining: number;
}

export class FaultQueue<S extends ArmableFault> {
  readonly #slots: Array<Slot<S>> = [];
  readonly #kinds: readonly string[];
  readonly #matches: (spec: S, target: string) => boolean;

  /** `kinds`: the kinds `arm` accepts; `matches`: whether a spec applies to a request. */
  constructor(kinds: readonly string[], matches: (spec: S, target: string) => boolean) {
    this.#kinds = kinds;
    this.#matches = matches;
  }

  /** Arms a fault; faults armed earlier fire first. */
  arm(spec: S): this {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new RangeError(`faults.arm: times must be > 0, got ${String(spec.times)}`);
    if (!this.#kinds.includes(spec.kind)) throw new RangeError(`faults.arm: unknown kind ${String(spec.kind)}`);
    this.#slots.push({ spec, remaining: times });
    return this;
  }

  /** Consumes the first fault armed for this request, if any, and returns its spec. */
  protected next(target: string): S | undefined {
    const index = this.#slots.findIndex((slot) => this.#matches(slot.spec, target));
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

/** The usual matcher: no `path` matches everything, a string is a substring, else a pattern. */
export function matchesPath(spec: { readonly path?: RegExp | string | undefined }, path: string): boolean {
  return spec.path === undefined || (typeof spec.path === 'string' ? path.includes(spec.path) : spec.path.test(path));
}
