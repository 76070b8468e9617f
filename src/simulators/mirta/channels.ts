/**
 * The live channel table: legs, bridges and what happens to the other legs when one hangs up.
 * It knows nothing of tenants or queues; `calls.ts` decides which legs to create.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelRecord, ChannelStateName } from './model-types.js';

/** Asterisk numbers channels per process from a small hex counter; start where a busy box would. */
const FIRST_CHANNEL_SEQ = 0x2a;
const CHANNEL_SEQ_DIGITS = 8;

export interface NewChannelSpec {
  tenant: string;
  peer: string;
  extension: string | null;
  node: string;
  tech: string;
  /** Shared by every leg of one call; a first leg takes its own uniqueid. */
  linkedid?: string;
  state: ChannelStateName;
  callerNum: string;
  callerName: string;
  connectedNum: string;
  connectedName: string;
  context: string;
  exten: string;
  application: string;
  applicationData: string;
  dialedBy?: string | null;
}

export class ChannelTable {
  readonly #channels = new Map<string, ChannelRecord>();
  readonly #clock: () => number;
  #seq = FIRST_CHANNEL_SEQ;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Creates a leg named like Asterisk does: `SIP/100-DEMO-0000002a`. */
  create(spec: NewChannelSpec): ChannelRecord {
    const seq = this.#seq++;
    const now = this.#clock();
    const name = `${spec.tech}/${spec.peer}-${seq.toString(16).padStart(CHANNEL_SEQ_DIGITS, '0')}`;
    // MiRTA's cluster uniqueids carry the node: `pbx21-1700000000.42` (the dot form).
    const uniqueid = `${spec.node}-${Math.floor(now / 1000)}.${seq}`;
    const record: ChannelRecord = {
      name,
      tenant: spec.tenant,
      peer: spec.peer,
      extension: spec.extension,
      node: spec.node,
      uniqueid,
      linkedid: spec.linkedid ?? uniqueid,
      state: spec.state,
      held: false,
      callerNum: spec.callerNum,
      callerName: spec.callerName,
      connectedNum: spec.connectedNum,
      connectedName: spec.connectedName,
      context: spec.context,
      exten: spec.exten,
      priority: 1,
      application: spec.application,
      applicationData: spec.applicationData,
      bridgedTo: null,
      bridgeId: '',
      dialedBy: spec.dialedBy ?? null,
      transferHold: null,
      waitingQueue: null,
      startedAt: now,
      answeredAt: spec.state === 'Up' ? now : null,
    };
    this.#channels.set(name, record);
    return record;
  }

  get(name: string): ChannelRecord | undefined {
    return this.#channels.get(name);
  }

  all(): ChannelRecord[] {
    return [...this.#channels.values()];
  }

  ofLinkedid(linkedid: string): ChannelRecord[] {
    return this.all().filter((leg) => leg.linkedid === linkedid);
  }

  ofPeer(peer: string): ChannelRecord[] {
    return this.all().filter((leg) => leg.peer === peer);
  }

  /** Legs ringing on behalf of `name` (bridged to it when they answer). */
  dialedBy(name: string): ChannelRecord[] {
    return this.all().filter((leg) => leg.dialedBy === name);
  }

  /** Answers a leg; a leg dialed by another one is bridged to it. */
  answer(name: string): boolean {
    const leg = this.#channels.get(name);
    if (!leg) return false;
    const now = this.#clock();
    leg.state = 'Up';
    leg.answeredAt ??= now;
    const caller = leg.dialedBy ? this.#channels.get(leg.dialedBy) : undefined;
    leg.dialedBy = null;
    if (caller) {
      caller.state = 'Up';
      caller.answeredAt ??= now;
      caller.waitingQueue = null;
      // Ring-all strategies: the first answer wins, the other ringing legs are cancelled.
      for (const other of this.dialedBy(caller.name)) this.detach(other.name);
      this.bridge(caller, leg);
    }
    return true;
  }

  /** Bridges two legs and updates each side's connected line to the other party. */
  bridge(a: ChannelRecord, b: ChannelRecord): void {
    const bridgeId = randomUUID();
    a.bridgedTo = b.name;
    b.bridgedTo = a.name;
    a.bridgeId = bridgeId;
    b.bridgeId = bridgeId;
    a.connectedNum = b.callerNum;
    a.connectedName = b.callerName;
    b.connectedNum = a.callerNum;
    b.connectedName = a.callerName;
  }

  /** Takes a leg out of its bridge, leaving both legs up. */
  unbridge(leg: ChannelRecord): void {
    const other = leg.bridgedTo ? this.#channels.get(leg.bridgedTo) : undefined;
    if (other) {
      other.bridgedTo = null;
      other.bridgeId = '';
    }
    leg.bridgedTo = null;
    leg.bridgeId = '';
  }

  /** Removes one leg only: the others keep their state (used by transfers). */
  detach(name: string): ChannelRecord | undefined {
    const leg = this.#channels.get(name);
    if (!leg) return undefined;
    this.#channels.delete(name);
    this.#clearPointers(name);
    return leg;
  }

  /**
   * Hangs up a leg the way a two-party bridge behaves: its partner and the legs only it kept
   * alive go too. The transferrer of an attended transfer hanging up completes the transfer.
   * @returns every leg removed, the named one first.
   */
  hangup(name: string): ChannelRecord[] {
    const leg = this.#channels.get(name);
    if (!leg) return [];
    if (this.#completeAttendedTransfer(leg)) return [leg];
    const removed = [leg];
    this.detach(name);
    let found = true;
    while (found) {
      found = false;
      for (const other of this.ofLinkedid(leg.linkedid)) {
        if (!this.#isOrphan(other)) continue;
        this.detach(other.name);
        removed.push(other);
        found = true;
      }
    }
    return removed;
  }

  #completeAttendedTransfer(transferrer: ChannelRecord): boolean {
    const held = this.all().find((other) => other.transferHold === transferrer.name);
    if (!held) return false;
    held.transferHold = null;
    held.held = false;
    const consult = transferrer.bridgedTo ? this.#channels.get(transferrer.bridgedTo) : undefined;
    const ringing = this.dialedBy(transferrer.name);
    if (!consult && ringing.length === 0) return false;
    this.detach(transferrer.name);
    if (consult) this.bridge(held, consult);
    // Hanging up while the target still rings hands the ringing leg to the held party.
    for (const leg of ringing) leg.dialedBy = held.name;
    return true;
  }

  /** A leg nothing holds on to any more: no bridge, no dialer, no queue, not being dialed for. */
  #isOrphan(leg: ChannelRecord): boolean {
    if (leg.bridgedTo !== null || leg.waitingQueue !== null) return false;
    if (leg.dialedBy !== null || leg.transferHold !== null) return false;
    return this.dialedBy(leg.name).length === 0;
  }

  #clearPointers(name: string): void {
    for (const other of this.#channels.values()) {
      if (other.bridgedTo === name) {
        other.bridgedTo = null;
        other.bridgeId = '';
      }
      if (other.dialedBy === name) other.dialedBy = null;
      if (other.transferHold === name) other.transferHold = null;
    }
  }
}
