/**
 * The order of one tenant's events (protocol §3, §4): which events to apply, which are
 * duplicates, when a gap calls for a new `subscribe`, and from where to resume. Pure: no socket,
 * no timer.
 *
 * - While a subscribe is on its way, events are held back; its ack says where the mirror stands
 *   (`snapshotAt`) or how many replayed events follow (`replaying`). Events the ack did not
 *   cover are then applied in `seq` order, each once.
 * - `seq` only proves a gap when the subscription covers every topic (`contiguous`): a client
 *   of some topics sees a subsequence. Otherwise a gap can only come from a lost connection,
 *   which the client handles by resubscribing.
 * - A cursor only means something to the event log that issued it: a bridge restarted with an
 *   in-memory log numbers from 1 again, and may already be past the client's cursor, so a plain
 *   `since` would replay another history. The resume point is therefore one event before the
 *   cursor (`resumePoint`), and the caller checks that the first replayed event is the one the
 *   mirror already reflects (`replaying`'s `verify`); if not, the histories `diverged` and the
 *   mirror is rebuilt from a snapshot.
 */
import type { BridgeEvent } from '../protocol/events.js';

/** What to do after taking events in: apply `apply` in order; resubscribe on `gap` or `diverged`. */
export interface Intake {
  readonly apply: readonly BridgeEvent[];
  readonly gap: boolean;
  /** The bridge's log is not the one the cursor came from: subscribe again without `since`. */
  readonly diverged: boolean;
}

/** What identifies an event across logs. */
export type EventMark = Pick<BridgeEvent, 'seq' | 'ts' | 'type' | 'key'>;

export interface ResumePoint {
  /** The `since` to subscribe with: one before the cursor. */
  readonly since: number;
  /** The last event applied, when it is the cursor's; undefined when the cursor is a snapshot's. */
  readonly echo: EventMark | undefined;
}

const NONE: readonly BridgeEvent[] = Object.freeze([]);
const NOTHING: Intake = Object.freeze({ apply: NONE, gap: false, diverged: false });
const DIVERGED: Intake = Object.freeze({ apply: NONE, gap: false, diverged: true });

type Mode = 'waiting' | 'replaying' | 'live';

/** The same event, as far as two logs can tell. */
export const sameEvent = (a: EventMark, b: EventMark): boolean => a.seq === b.seq && a.ts === b.ts && a.type === b.type && a.key === b.key;

export class SequenceTracker {
  readonly #contiguous: boolean;
  #cursor: number | undefined;
  /** The last event applied: the echo a resumed replay must start with. */
  #last: EventMark | undefined;
  #mode: Mode = 'waiting';
  /** Events held back before the ack. */
  #pending: BridgeEvent[] = [];
  /** Events replayed after the ack, in the order sent. */
  #replays: BridgeEvent[] = [];
  #replaysLeft = 0;
  #verify: ((first: BridgeEvent | undefined) => boolean) | undefined;

  /** @param contiguous true when the subscription covers every topic, so every `seq` arrives. */
  constructor(contiguous: boolean) {
    this.#contiguous = contiguous;
  }

  /** The last applied `seq` (or the snapshot's cursor). */
  get cursor(): number | undefined {
    return this.#cursor;
  }

  /** True once the last subscribe's snapshot or replay has been applied. */
  get live(): boolean {
    return this.#mode === 'live';
  }

  /** Where to resume: one before the cursor (undefined without a cursor past 0). */
  resumePoint(): ResumePoint | undefined {
    const cursor = this.#cursor;
    if (cursor === undefined || cursor < 1) return undefined;
    return { since: cursor - 1, echo: this.#last?.seq === cursor ? this.#last : undefined };
  }

  /** A subscribe is on its way: hold events back until its ack. */
  waiting(): void {
    this.#mode = 'waiting';
  }

  /** The connection is gone: what was held back will be replayed; keep the cursor only. */
  reset(): void {
    this.#mode = 'waiting';
    this.#pending = [];
    this.#replays = [];
    this.#replaysLeft = 0;
    this.#verify = undefined;
  }

  /** Forgets the cursor (another log): the next subscribe takes a snapshot. */
  forget(): void {
    this.reset();
    this.#cursor = undefined;
    this.#last = undefined;
  }

  /** The ack carried a snapshot as of `cursor` (first subscribe, or `resync`). */
  snapshotAt(cursor: number): Intake {
    this.#cursor = cursor;
    if (this.#last?.seq !== cursor) this.#last = undefined;
    this.#verify = undefined;
    return this.#drain();
  }

  /**
   * The ack said `count` replayed events follow. `verify` gets the first of them (undefined when
   * there are none) and says whether it belongs to the history the mirror came from.
   */
  replaying(count: number, verify?: (first: BridgeEvent | undefined) => boolean): Intake {
    this.#verify = verify;
    this.#replays = [];
    if (count <= 0) return this.#drain();
    this.#mode = 'replaying';
    this.#replaysLeft = count;
    return NOTHING;
  }

  /**
   * Takes one event in.
   *
   * @example
   * const { apply, gap, diverged } = tracker.receive(event);
   * for (const e of apply) mirror.apply(e);
   * if (gap || diverged) resubscribe();
   */
  receive(event: BridgeEvent): Intake {
    if (this.#mode === 'waiting') {
      this.#pending.push(event);
      return NOTHING;
    }
    if (this.#mode === 'replaying') {
      this.#replays.push(event);
      this.#replaysLeft -= 1;
      return this.#replaysLeft > 0 ? NOTHING : this.#drain();
    }
    return this.#take([event]);
  }

  /** Applies what was held back and replayed, in order, once each. */
  #drain(): Intake {
    const verify = this.#verify;
    const replays = this.#replays;
    const pending = [...this.#pending, ...replays].sort((a, b) => a.seq - b.seq);
    this.#pending = [];
    this.#replays = [];
    this.#replaysLeft = 0;
    this.#verify = undefined;
    if (verify !== undefined && !verify(replays[0])) {
      this.forget();
      return DIVERGED;
    }
    this.#mode = 'live';
    return this.#take(pending);
  }

  #take(events: readonly BridgeEvent[]): Intake {
    const apply: BridgeEvent[] = [];
    for (const [index, event] of events.entries()) {
      const cursor = this.#cursor;
      if (cursor !== undefined && event.seq <= cursor) continue;
      // A coalesced event (a slow client's queue) skips `seq` values that were superseded, not lost.
      if (this.#contiguous && cursor !== undefined && event.seq > cursor + 1 && event.coalesced !== true) {
        // Missed events: hold this one and the rest back for the resubscribe's ack.
        this.#mode = 'waiting';
        this.#pending = events.slice(index);
        return { apply, gap: true, diverged: false };
      }
      apply.push(event);
      this.#cursor = event.seq;
      this.#last = { seq: event.seq, ts: event.ts, type: event.type, key: event.key };
    }
    return apply.length === 0 ? NOTHING : { apply, gap: false, diverged: false };
  }
}
