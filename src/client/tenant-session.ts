/**
 * One tenant's subscription: subscribe (with `since` once the mirror has a cursor), apply the
 * snapshot or the replay, then the live events, and subscribe again on a gap or a reconnection.
 */
import type { Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { SubscribeOk, SubscribeRequest } from '../protocol/messages.js';
import { errorFromAck, type CallbridgeError } from './errors.js';
import { SequenceTracker, sameEvent, type Intake, type ResumePoint } from './sequence-tracker.js';
import { StateMirror } from './state-mirror.js';
import { TOPICS } from './topics.js';
import type { ChangeEvent, SnapshotInfo, TenantView } from './types.js';

/** `idle`: not subscribed on this connection; `syncing`: subscribe on its way or catching up. */
export type SessionPhase = 'idle' | 'syncing' | 'live' | 'failed';

export interface SessionHooks {
  /**
   * Sends `subscribe`; `done` gets the ack, or an error when none came in time. It must be called
   * synchronously as the ack arrives (socket.io's ack callback, not a promise): the replayed
   * events follow the ack in the same read, and a promise continuation would run after them.
   */
  subscribe(request: SubscribeRequest, done: (err: Error | null, ack?: unknown) => void): void;
  change(change: ChangeEvent): void;
  snapshot(info: SnapshotInfo): void;
  /** The bridge refused the subscription. */
  refused(error: CallbridgeError): void;
  /** No ack in time: the connection is presumed dead. */
  stalled(): void;
  /** The phase changed (the client recomputes its status). */
  phaseChanged(): void;
}

export interface SessionOptions {
  tenant: string;
  topics: readonly Topic[];
  raw: boolean;
  hooks: SessionHooks;
}

const isSubscribeOk = (ack: unknown): ack is SubscribeOk =>
  typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === true && typeof (ack as { cursor?: unknown }).cursor === 'number';

export class TenantSession {
  readonly name: string;
  /** What users get from `cb.tenant(name)`: the mirror and where it stands, nothing to drive. */
  readonly view: TenantView;
  readonly topics: readonly Topic[];
  readonly #raw: boolean;
  readonly #hooks: SessionHooks;
  readonly #mirror: StateMirror;
  readonly #tracker: SequenceTracker;
  #phase: SessionPhase = 'idle';
  /** Bumped by every subscribe and disconnection: an older ack is ignored. */
  #attempt = 0;
  /** The last replay came from another log (a restarted bridge): the next snapshot is a resync. */
  #diverged = false;
  /** A subscribe refused for the connection's call rate, to be sent again. */
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SessionOptions) {
    this.name = options.tenant;
    this.topics = options.topics;
    this.#raw = options.raw;
    this.#hooks = options.hooks;
    this.#mirror = new StateMirror(options.tenant);
    this.#tracker = new SequenceTracker(TOPICS.every((topic) => options.topics.includes(topic)));
    const session = this;
    this.view = Object.freeze({
      name: this.name,
      state: this.#mirror.state,
      get cursor() {
        return session.cursor;
      },
      get live() {
        return session.live;
      },
    });
  }

  get state(): StateMirror['state'] {
    return this.#mirror.state;
  }
  get cursor(): number | undefined {
    return this.#tracker.cursor;
  }
  get live(): boolean {
    return this.#phase === 'live';
  }
  get phase(): SessionPhase {
    return this.#phase;
  }

  /**
   * Subscribes on the current connection: resuming one event before the cursor (see
   * sequence-tracker.ts), or for a snapshot when the mirror has no usable cursor.
   */
  subscribe(): void {
    const attempt = ++this.#attempt;
    this.#tracker.waiting();
    this.#setPhase('syncing');
    const resume = this.#tracker.resumePoint();
    // A snapshot over a mirror that already had state is a resync, whoever decided it.
    const resync = this.#tracker.cursor !== undefined || this.#diverged;
    const request: SubscribeRequest = { tenant: this.name, topics: [...this.topics] };
    if (resume) request.since = resume.since;
    if (this.#raw) request.raw = true;
    this.#hooks.subscribe(request, (err, ack) => {
      if (attempt !== this.#attempt) return;
      if (err) this.#hooks.stalled();
      else this.#acked(ack, resume, resync);
    });
  }

  /**
   * Whether the first replayed event is the one at the cursor, as the mirror knows it: the last
   * event applied, or (cursor from a snapshot) an event the snapshot already reflected.
   */
  #sameHistory(resume: ResumePoint, first: BridgeEvent | undefined): boolean {
    if (first === undefined || first.seq !== resume.since + 1) return false;
    return resume.echo ? sameEvent(first, resume.echo) : this.#mirror.reflects(first);
  }

  #acked(ack: unknown, resume: ResumePoint | undefined, resync: boolean): void {
    if (!isSubscribeOk(ack)) {
      const error = errorFromAck(ack);
      // Over the connection's call budget: again when the bridge says. Other refusals (the
      // subscription limit included) would be refused again, so they stop here.
      if (error.code === 'rate_limited' && error.retryAfterSec !== undefined) {
        const attempt = this.#attempt;
        this.#retryTimer = setTimeout(() => {
          if (attempt === this.#attempt) this.subscribe();
        }, error.retryAfterSec * 1000);
        return;
      }
      this.#setPhase('failed');
      this.#hooks.refused(error);
      return;
    }
    if (ack.snapshot) {
      this.#diverged = false;
      for (const change of this.#mirror.replace(this.topics, ack.snapshot)) this.#hooks.change(change);
      const intake = this.#tracker.snapshotAt(ack.cursor);
      this.#hooks.snapshot({ tenant: this.name, topics: this.topics, cursor: ack.cursor, resync: resync || ack.resync === true });
      this.#take(intake);
    } else {
      this.#take(this.#tracker.replaying(ack.replayed ?? 0, resume && ((first) => this.#sameHistory(resume, first))));
    }
  }

  /** The connection is gone: the next subscribe resumes from the cursor. */
  disconnected(): void {
    clearTimeout(this.#retryTimer);
    this.#attempt += 1;
    this.#tracker.reset();
    if (this.#phase !== 'failed') this.#setPhase('idle');
  }

  /** The bridge ended the subscription (a renewed token no longer covers the tenant). */
  revoked(error: CallbridgeError): void {
    clearTimeout(this.#retryTimer);
    this.#attempt += 1;
    this.#tracker.reset();
    this.#setPhase('failed');
    this.#hooks.refused(error);
  }

  /** One event of this tenant's sequence. */
  receive(event: BridgeEvent): void {
    if (this.#phase === 'idle' || this.#phase === 'failed') return;
    this.#take(this.#tracker.receive(event));
  }

  #take(intake: Intake): void {
    for (const event of intake.apply) this.#hooks.change(this.#mirror.apply(event));
    if (intake.diverged) this.#diverged = true;
    if (intake.gap || intake.diverged) {
      this.subscribe();
      return;
    }
    if (this.#tracker.live) this.#setPhase('live');
  }

  #setPhase(phase: SessionPhase): void {
    if (this.#phase === phase) return;
    this.#phase = phase;
    this.#hooks.phaseChanged();
  }
}
