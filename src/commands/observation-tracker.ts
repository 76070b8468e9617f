/**
 * Links a command to the entity it produced: after a source answers with an ObservationHint,
 * the first bus event of the same tenant + source + topic that the hint matches, within a
 * window, is reported once as `observed`. One bus listener serves every pending command.
 */
import type { Bus } from '../bus/bus.js';
import type { Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { ObservationHint } from '../sources/source.js';
import type { Logger } from 'pino';

export interface Observation {
  topic: Topic;
  key: string;
}

export interface ObservationTrackerOptions {
  bus: Bus;
  logger: Logger;
  /** How long a command waits for its effect to show (ms). */
  windowMs?: number;
  now?: () => number;
}

export interface WatchRequest {
  tenant: string;
  source: string;
  hint: ObservationHint;
  /**
   * Epoch ms the command was handed to the vendor. A fast vendor (a websocket push) can publish
   * the effect before its HTTP answer arrives with the hint, so recent events from this moment
   * on are checked too.
   */
  since: number;
  onObserved: (observation: Observation) => void;
}

export const DEFAULT_OBSERVATION_WINDOW_MS = 30_000;
/** Recent events kept for the early-event case above; a bound, not a guarantee. */
const RECENT_EVENTS = 512;

interface Pending extends WatchRequest {
  timer: NodeJS.Timeout;
}

/**
 * @example
 * const tracker = new ObservationTracker({ bus, logger });
 * tracker.watch({ tenant, source: 'mirta-main', hint, since: sentAt, onObserved: (o) => notify(o) });
 */
export class ObservationTracker {
  readonly #pending = new Set<Pending>();
  readonly #recent: { at: number; event: BridgeEvent }[] = [];
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(options: ObservationTrackerOptions) {
    this.#windowMs = options.windowMs ?? DEFAULT_OBSERVATION_WINDOW_MS;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#unsubscribe = options.bus.onEvent((event) => this.#onEvent(event));
  }

  /** Commands still waiting for their effect. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Starts watching; returns a function that stops it. */
  watch(request: WatchRequest): () => void {
    if (this.#closed) return () => undefined;
    const recent = this.#recent.find(
      ({ at, event }) => at >= request.since && this.#matches(request, event),
    );
    if (recent) {
      this.#report(request, recent.event);
      return () => undefined;
    }
    const timer = setTimeout(() => this.#pending.delete(pending), this.#windowMs);
    // A pending observation must not keep the process alive.
    timer.unref();
    const pending: Pending = { ...request, timer };
    this.#pending.add(pending);
    return () => this.#stop(pending);
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const pending of this.#pending) clearTimeout(pending.timer);
    this.#pending.clear();
    this.#recent.length = 0;
  }

  #onEvent(event: BridgeEvent): void {
    this.#recent.push({ at: this.#now(), event });
    if (this.#recent.length > RECENT_EVENTS) this.#recent.shift();
    for (const pending of this.#pending) {
      if (!this.#matches(pending, event)) continue;
      this.#stop(pending);
      this.#report(pending, event);
    }
  }

  #matches(request: WatchRequest, event: BridgeEvent): boolean {
    if (event.tenant !== request.tenant || event.source !== request.source || event.topic !== request.hint.topic) {
      return false;
    }
    try {
      return request.hint.matches(event.data, event.key);
    } catch (err) {
      // A vendor's matcher is code we do not own: a throw means "no match", never a lost event.
      this.#logger.warn({ err, source: request.source }, 'observation hint failed');
      return false;
    }
  }

  #report(request: WatchRequest, event: BridgeEvent): void {
    try {
      request.onObserved({ topic: event.topic, key: event.key });
    } catch (err) {
      this.#logger.error({ err, source: request.source }, 'observed callback failed');
    }
  }

  #stop(pending: Pending): void {
    clearTimeout(pending.timer);
    this.#pending.delete(pending);
  }
}
