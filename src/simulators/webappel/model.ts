/**
 * The simulated WebAppel account: popups and the callbacks asked through `appel`. A callback's
 * progress is computed from the clock (no timers): waiting until its `delais` passes, then
 * calling, connected, and ended with a final `etat`. Listings show ended callbacks only.
 */

export interface WebAppelTimings {
  /** From the (delayed) start to "calling" (the vendor dialing). */
  callingAfterMs: number;
  /** From the start to "connected". */
  connectedAfterMs: number;
  /** From the start to the end (final `etat`). */
  endedAfterMs: number;
  /** `delais` seconds are multiplied by this (tests shrink them). */
  delayScale: number;
}

export const DEFAULT_TIMINGS: WebAppelTimings = { callingAfterMs: 2_000, connectedAfterMs: 8_000, endedAfterMs: 60_000, delayScale: 1 };

/** The `etat` words the simulator writes (vendors README §5.1b; configurable). */
export interface EtatWords {
  completed: string;
  failed: string;
  cancelled: string;
}
export const DEFAULT_ETATS: EtatWords = { completed: 'OK', failed: 'ECHEC', cancelled: 'ANNULE' };

export type Outcome = 'completed' | 'failed';
export type Phase = 'waiting' | 'calling' | 'connected' | 'ended' | 'cancelled';

export interface SimCallback {
  readonly id: string;
  readonly popup: string;
  readonly e164: string;
  readonly nom: string;
  readonly usr: readonly [string, string, string];
  readonly delais: number;
  readonly nbressais: string;
  readonly rec: string;
  readonly dureemaxi: string;
  readonly ip: string;
  readonly requestedAt: number;
  readonly outcome: Outcome;
  cancelledAt?: number;
}

export interface ModelOptions {
  popups: readonly string[];
  timings: WebAppelTimings;
  etats: EtatWords;
  /** Decides each callback's end; by default numbers ending in `0000` fail, others complete. */
  outcome: (e164: string) => Outcome;
  clock: () => number;
  firstTrackingId: number;
}

export class WebAppelModel {
  readonly popups: Set<string>;
  readonly callbacks = new Map<string, SimCallback>();
  readonly #options: ModelOptions;
  #nextId: number;

  constructor(options: ModelOptions) {
    this.#options = options;
    this.popups = new Set(options.popups);
    this.#nextId = options.firstTrackingId;
  }

  get timings(): WebAppelTimings {
    return this.#options.timings;
  }

  add(input: Omit<SimCallback, 'id' | 'requestedAt' | 'outcome'>): SimCallback {
    const callback: SimCallback = { ...input, id: String(this.#nextId++), requestedAt: this.#options.clock(), outcome: this.#options.outcome(input.e164) };
    this.callbacks.set(callback.id, callback);
    return callback;
  }

  startsAt(cb: SimCallback): number {
    return cb.requestedAt + cb.delais * 1000 * this.#options.timings.delayScale;
  }

  phase(cb: SimCallback, now = this.#options.clock()): Phase {
    if (cb.cancelledAt !== undefined) return 'cancelled';
    const elapsed = now - this.startsAt(cb);
    const t = this.#options.timings;
    if (elapsed >= t.endedAfterMs) return 'ended';
    if (cb.outcome === 'completed' && elapsed >= t.connectedAfterMs) return 'connected';
    if (elapsed >= t.callingAfterMs) return 'calling';
    return 'waiting';
  }

  /** The final `etat`, or undefined while the callback has not ended. */
  etat(cb: SimCallback, now = this.#options.clock()): string | undefined {
    const phase = this.phase(cb, now);
    if (phase === 'cancelled') return this.#options.etats.cancelled;
    if (phase !== 'ended') return undefined;
    return cb.outcome === 'completed' ? this.#options.etats.completed : this.#options.etats.failed;
  }

  /** `appel_annuler`: only before the vendor started calling. */
  cancel(id: string): 'ok' | 'unknown' | 'started' {
    const cb = this.callbacks.get(id);
    if (!cb) return 'unknown';
    if (this.phase(cb) !== 'waiting') return 'started';
    cb.cancelledAt = this.#options.clock();
    return 'ok';
  }

  /** Seconds of talk of an ended callback. */
  talkSec(cb: SimCallback): number {
    const t = this.#options.timings;
    return cb.outcome === 'completed' ? Math.max(1, Math.round((t.endedAfterMs - t.connectedAfterMs) / 1000)) : 0;
  }

  ringSec(cb: SimCallback): number {
    const t = this.#options.timings;
    const end = cb.outcome === 'completed' ? t.connectedAfterMs : t.endedAfterMs;
    return Math.max(0, Math.round((end - t.callingAfterMs) / 1000));
  }
}
