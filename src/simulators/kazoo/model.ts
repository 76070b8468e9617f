/**
 * The Kazoo simulator's state: accounts, devices, users (ACDC agents), queues and live call
 * legs. Mutators change it and emit the call events Kazoo would publish, synchronously and in
 * order; the blackhole layer routes them to subscribed sessions.
 *
 * @example
 * const { a } = model.startCall({ from: deviceId, to: '33170200258' });
 * model.answer(a.uuid);   // CHANNEL_ANSWER x2, CHANNEL_BRIDGE x2
 * model.hangup(a.uuid);   // CHANNEL_DESTROY x2
 */
import type { AcdcStatus, SimAccount, SimCallEvent, SimCallEventName, SimDevice, SimLeg, SimQueue, SimUser } from './model-types.js';
import { eventPayload, newCallId } from './payloads.js';

export type ModelListener = (event: SimCallEvent) => void;

export interface StartCallOptions {
  /** Defaults to the first account. */
  accountId?: string;
  /** A device id (the call comes from that phone) or an outside number. */
  from: string;
  /** A device id or any number. */
  to: string;
  cav?: Record<string, string>;
}

interface Party {
  number: string;
  name: string;
  device: SimDevice | undefined;
}

export class KazooModel {
  readonly accounts = new Map<string, SimAccount>();
  readonly devices = new Map<string, SimDevice>();
  readonly users = new Map<string, SimUser>();
  readonly queues = new Map<string, SimQueue>();
  readonly legs = new Map<string, SimLeg>();
  readonly #listeners = new Set<ModelListener>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  now(): number {
    return this.#now();
  }

  /** Adds a listener for call events; returns the function that removes it. */
  onEvent(listener: ModelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get primaryAccount(): SimAccount {
    const first = this.accounts.values().next();
    if (first.done) throw new Error('the model has no account');
    return first.value;
  }

  legsOf(accountId: string): SimLeg[] {
    return [...this.legs.values()].filter((leg) => leg.accountId === accountId);
  }

  agentsOf(accountId: string): SimUser[] {
    return [...this.users.values()].filter((user) => user.accountId === accountId && user.queues !== undefined);
  }

  /** A call between two parties: an inbound leg from the caller, an outbound one to the callee, both ringing. */
  startCall(options: StartCallOptions): { a: SimLeg; b: SimLeg } {
    const accountId = options.accountId ?? this.primaryAccount.id;
    const caller = this.#party(options.from);
    const callee = this.#party(options.to);
    const cav = options.cav ?? {};
    const a = this.#leg(accountId, 'inbound', caller, callee, caller.device, cav);
    const b = this.#leg(accountId, 'outbound', caller, callee, callee.device, cav);
    a.otherLeg = b.uuid;
    b.otherLeg = a.uuid;
    this.#emit(a, 'CHANNEL_CREATE');
    this.#emit(b, 'CHANNEL_CREATE');
    return { a, b };
  }

  /**
   * Quickcall's first leg: the switch rings the device; the device is the callee and the
   * dialled number the caller (crossbar quickcall.md).
   */
  quickcallLeg(options: {
    accountId: string;
    device: SimDevice;
    number: string;
    cav: Record<string, string>;
    callerIdName?: string;
    callerIdNumber?: string;
    /** The `outbound_call_id` crossbar already answered with. */
    uuid?: string;
  }): SimLeg {
    const caller: Party = { number: options.callerIdNumber ?? options.number, name: options.callerIdName ?? 'Device QuickCall', device: undefined };
    const callee: Party = { number: options.device.number, name: options.device.name, device: options.device };
    const leg = this.#leg(options.accountId, 'outbound', caller, callee, options.device, options.cav, options.uuid ?? `${newCallId()}-quickcall`);
    this.#emit(leg, 'CHANNEL_CREATE');
    return leg;
  }

  /** Quickcall's second half: the device answered, the number is dialled and bridged. */
  quickcallConnect(uuid: string, number: string): SimLeg | undefined {
    const deviceLeg = this.legs.get(uuid);
    if (!deviceLeg || deviceLeg.otherLeg) return undefined;
    this.#answerLeg(deviceLeg);
    const caller: Party = { number: deviceLeg.calleeIdNumber, name: deviceLeg.calleeIdName, device: undefined };
    const callee = this.#party(number);
    const out = this.#leg(deviceLeg.accountId, 'outbound', caller, callee, callee.device, deviceLeg.cav);
    deviceLeg.otherLeg = out.uuid;
    out.otherLeg = deviceLeg.uuid;
    this.#emit(out, 'CHANNEL_CREATE');
    this.answer(out.uuid);
    return out;
  }

  /** Answers the call `uuid` belongs to: both legs answered, then bridged. */
  answer(uuid: string): boolean {
    const leg = this.legs.get(uuid);
    if (!leg) return false;
    const other = leg.otherLeg ? this.legs.get(leg.otherLeg) : undefined;
    this.#answerLeg(leg);
    if (other) {
      this.#answerLeg(other);
      this.#emit(leg, 'CHANNEL_BRIDGE');
      this.#emit(other, 'CHANNEL_BRIDGE');
    }
    return true;
  }

  hold(uuid: string): boolean {
    return this.#setHold(uuid, true);
  }

  unhold(uuid: string): boolean {
    return this.#setHold(uuid, false);
  }

  /** Hangs up `uuid` and the leg bridged to it. */
  hangup(uuid: string): boolean {
    const leg = this.legs.get(uuid);
    if (!leg) return false;
    const other = leg.otherLeg ? this.legs.get(leg.otherLeg) : undefined;
    this.#destroy(leg);
    if (other) this.#destroy(other);
    return true;
  }

  /** Blind transfer: the leg bridged to `uuid` is connected to a new leg ringing `target`; `uuid` leaves. */
  transfer(uuid: string, target: string): SimLeg | undefined {
    const leg = this.legs.get(uuid);
    const other = leg?.otherLeg ? this.legs.get(leg.otherLeg) : undefined;
    if (!leg || !other) return undefined;
    const caller: Party = { number: other.callerIdNumber, name: other.callerIdName, device: undefined };
    const callee = this.#party(target);
    const next = this.#leg(other.accountId, 'outbound', caller, callee, callee.device, other.cav);
    other.otherLeg = next.uuid;
    next.otherLeg = other.uuid;
    this.#destroy(leg);
    this.#emit(next, 'CHANNEL_CREATE');
    return next;
  }

  /** ACDC status change; a pause with `timeoutSec > 0` ends by itself (acdc_agent_fsm). */
  setAgentStatus(userId: string, status: AcdcStatus, timeoutSec = 0): boolean {
    const user = this.users.get(userId);
    if (!user) return false;
    user.status = status;
    user.statusAt = this.#now();
    if (status === 'paused' && timeoutSec > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (user.status === 'paused') this.setAgentStatus(userId, 'ready');
      }, timeoutSec * 1000);
      timer.unref();
      this.#timers.add(timer);
    }
    return true;
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  #party(idOrNumber: string): Party {
    const device = this.devices.get(idOrNumber) ?? [...this.devices.values()].find((d) => d.number === idOrNumber);
    if (device) return { number: device.number, name: device.name, device };
    return { number: idOrNumber, name: '', device: undefined };
  }

  #leg(
    accountId: string,
    direction: 'inbound' | 'outbound',
    caller: Party,
    callee: Party,
    device: SimDevice | undefined,
    cav: Record<string, string>,
    uuid: string = newCallId(),
  ): SimLeg {
    const leg: SimLeg = {
      uuid,
      accountId,
      direction,
      callerIdNumber: caller.number,
      callerIdName: caller.name,
      calleeIdNumber: callee.number,
      calleeIdName: callee.name,
      otherLeg: undefined,
      answered: false,
      onHold: false,
      createdAt: this.#now(),
      answeredAt: undefined,
      username: device?.username,
      ownerId: device?.ownerId,
      authorizingId: device?.id,
      authorizingType: device ? 'device' : undefined,
      destination: callee.number,
      cav: { ...cav },
    };
    this.legs.set(uuid, leg);
    return leg;
  }

  #answerLeg(leg: SimLeg): void {
    if (leg.answered) return;
    leg.answered = true;
    leg.answeredAt = this.#now();
    this.#emit(leg, 'CHANNEL_ANSWER');
  }

  #setHold(uuid: string, onHold: boolean): boolean {
    const leg = this.legs.get(uuid);
    if (!leg || !leg.answered || leg.onHold === onHold) return false;
    leg.onHold = onHold;
    this.#emit(leg, onHold ? 'CHANNEL_HOLD' : 'CHANNEL_UNHOLD');
    return true;
  }

  #destroy(leg: SimLeg): void {
    if (!this.legs.delete(leg.uuid)) return;
    this.#emit(leg, 'CHANNEL_DESTROY');
  }

  #emit(leg: SimLeg, name: SimCallEventName): void {
    const account = this.accounts.get(leg.accountId);
    if (!account) return;
    const other = leg.otherLeg ? this.legs.get(leg.otherLeg) : undefined;
    const event: SimCallEvent = { accountId: leg.accountId, name, callId: leg.uuid, data: eventPayload(leg, account, name, this.#now(), other) };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a closed socket) must not stop the others or the mutator.
      }
    }
  }
}
