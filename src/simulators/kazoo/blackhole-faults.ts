/**
 * Scripted blackhole frame faults: event frames sent twice (AMQP redelivery) or held back and
 * sent in reverse order (events of one call crossing on different queues). Replies are never
 * touched, and nothing changes while no fault is set. Each session has an `EventOutbox`; the
 * faults object knows every outbox so that `clear()` releases what they hold.
 *
 * @example
 * sim.blackhole.faults.reorder = { window: 3, maxHoldMs: 100 };
 * sim.blackhole.faults.duplicate = true;
 * sim.blackhole.faults.clear(); // held frames go out now, in order of release
 */

export interface ReorderSpec {
  /** Frames held per session before they go out, last first (3 by default). */
  readonly window?: number;
  /** A partial window goes out (reversed) after this long (100 ms by default). */
  readonly maxHoldMs?: number;
}

const DEFAULT_WINDOW = 3;
const DEFAULT_MAX_HOLD_MS = 100;

export class BlackholeFaults {
  /** Every event frame is sent twice in a row. */
  duplicate = false;
  /** Event frames are held and sent in reverse order, `window` at a time. */
  reorder: ReorderSpec | undefined;
  readonly #outboxes = new Set<EventOutbox>();

  /** Ends every frame fault; frames held for reordering go out at once. */
  clear(): void {
    this.duplicate = false;
    this.reorder = undefined;
    for (const outbox of this.#outboxes) outbox.flush();
  }

  /** An outbox for one session's event frames; `send` writes one frame to its socket. */
  outbox(send: (text: string) => void): EventOutbox {
    const outbox = new EventOutbox(this, send, () => this.#outboxes.delete(outbox));
    this.#outboxes.add(outbox);
    return outbox;
  }
}

export class EventOutbox {
  readonly #faults: BlackholeFaults;
  readonly #send: (text: string) => void;
  readonly #release: () => void;
  #held: string[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(faults: BlackholeFaults, send: (text: string) => void, release: () => void) {
    this.#faults = faults;
    this.#send = send;
    this.#release = release;
  }

  /** Sends (or holds) one event frame as the armed faults say. */
  push(text: string): void {
    const copies = this.#faults.duplicate ? 2 : 1;
    const reorder = this.#faults.reorder;
    if (reorder === undefined) {
      this.flush();
      for (let i = 0; i < copies; i++) this.#send(text);
      return;
    }
    for (let i = 0; i < copies; i++) this.#held.push(text);
    if (this.#held.length >= (reorder.window ?? DEFAULT_WINDOW)) {
      this.flush();
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), reorder.maxHoldMs ?? DEFAULT_MAX_HOLD_MS);
      this.#timer.unref();
    }
  }

  /** Sends what is held, last first. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held.reverse();
    this.#held = [];
    for (const text of held) this.#send(text);
  }

  /** The session is gone: what is held is lost with it. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held = [];
    this.#release();
  }
}
