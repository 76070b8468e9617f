/**
 * The 3CX simulator's state: the DNs the API application monitors, their registered devices and
 * their call participants. Mutators change it and emit the notifications 3CX pushes on
 * `/callcontrol/ws` (Upsert / Remove of an entity path), synchronously and in order.
 *
 * A participant is one DN's connection to a call, seen from that DN; an outside party has no
 * participant of its own (it is the `party_*` of one). Calls are two-party: dropping one
 * participant ends the call.
 *
 * @example
 * const out = model.makeCall({ from: '100', to: '101' });   // 100 Dialing, 101 Ringing
 * model.answerCall(out.participant.callid);                // both Connected
 * model.drop('101', ringing.id);                           // both removed
 */
import type { SimDevice, SimDn, SimDnType, SimNotification, SimParticipant } from './model-types.js';
import { devicePath, participantPath } from './payloads.js';

export type NotificationListener = (notification: SimNotification) => void;

/** What a Call Control action answers: 3CX's `finalstatus` with its reason. */
export type ActionOutcome =
  | { ok: true; participant: SimParticipant }
  | { ok: false; finalstatus: 'Failed' | 'Rejected'; reason: string; reasontext: string };

/** The trunk DN outside parties come through [I]. */
export const EXTERNAL_LINE_DN = '10000';

interface Party {
  dn: string;
  number: string;
  name: string;
  type: string;
}

const refuse = (reason: string, reasontext: string, finalstatus: 'Failed' | 'Rejected' = 'Failed'): ActionOutcome => ({
  ok: false,
  finalstatus,
  reason,
  reasontext,
});

export class ThreeCxModel {
  readonly dns = new Map<string, SimDn>();
  readonly #listeners = new Set<NotificationListener>();
  #nextParticipant = 1;
  #nextCall = 1_000;
  #nextLeg = 1;

  /** Adds a listener for notifications; returns the function that removes it. */
  onNotification(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  addDn(options: { dn: string; type: SimDnType; name: string }): SimDn {
    const dn: SimDn = { ...options, devices: new Map(), participants: new Map() };
    this.dns.set(dn.dn, dn);
    return dn;
  }

  participant(dn: string, id: number): SimParticipant | undefined {
    return this.dns.get(dn)?.participants.get(id);
  }

  participants(): SimParticipant[] {
    return [...this.dns.values()].flatMap((dn) => [...dn.participants.values()]);
  }

  callParticipants(callid: number): SimParticipant[] {
    return this.participants().filter((participant) => participant.callid === callid);
  }

  /** A phone (or app) registers on a DN. */
  registerDevice(dn: string, deviceId: string, userAgent: string): boolean {
    const record = this.dns.get(dn);
    if (!record) return false;
    const device: SimDevice = { dn, device_id: deviceId, user_agent: userAgent };
    record.devices.set(deviceId, device);
    this.#emit(0, devicePath(dn, deviceId));
    return true;
  }

  unregisterDevice(dn: string, deviceId: string): boolean {
    if (!this.dns.get(dn)?.devices.delete(deviceId)) return false;
    this.#emit(1, devicePath(dn, deviceId));
    return true;
  }

  /**
   * `makecall`: the DN's participant dials `to`; a monitored DN callee rings. Without a device
   * an extension cannot place a call (a route point can).
   */
  makeCall(options: { from: string; to: string; deviceId?: string }): ActionOutcome {
    const caller = this.dns.get(options.from);
    if (!caller) return refuse('NotFound', `DN ${options.from} is not monitored`);
    if (!/^\+?[0-9*#]{1,40}$/.test(options.to)) return refuse('InvalidDestination', 'Invalid destination');
    const device = options.deviceId !== undefined ? caller.devices.get(options.deviceId) : caller.devices.values().next().value;
    if (caller.type === 'Wextension' && device === undefined) return refuse('NoDevice', `DN ${caller.dn} has no registered device`);
    const callid = this.#nextCall++;
    const callee = this.#party(options.to);
    const out = this.#add(caller, callid, 'Dialing', callee, device?.device_id ?? null);
    const target = this.dns.get(options.to);
    if (target) this.#add(target, callid, 'Ringing', this.#dnParty(caller), firstDeviceId(target));
    return { ok: true, participant: out };
  }

  /** An outside caller rings a DN. */
  incomingCall(options: { from: string; to: string; name?: string }): SimParticipant | undefined {
    const target = this.dns.get(options.to);
    if (!target) return undefined;
    const party: Party = { dn: EXTERNAL_LINE_DN, number: options.from, name: options.name ?? '', type: 'Wexternalline' };
    return this.#add(target, this.#nextCall++, 'Ringing', party, firstDeviceId(target));
  }

  /** Every participant of the call is connected. */
  answerCall(callid: number): boolean {
    const participants = this.callParticipants(callid);
    for (const participant of participants) {
      if (participant.status === 'Connected') continue;
      participant.status = 'Connected';
      this.#emit(0, participantPath(participant.dn, participant.id));
    }
    return participants.length > 0;
  }

  /** Participant action `answer`: only a ringing participant can. */
  answer(dn: string, id: number): ActionOutcome {
    const participant = this.participant(dn, id);
    if (!participant) return refuse('NotFound', 'Participant not found');
    if (participant.status !== 'Ringing') return refuse('InvalidState', 'Participant is not ringing');
    this.answerCall(participant.callid);
    return { ok: true, participant };
  }

  /** Participant action `drop`: the call ends for everyone in it. */
  drop(dn: string, id: number): ActionOutcome {
    const participant = this.participant(dn, id);
    if (!participant) return refuse('NotFound', 'Participant not found');
    for (const other of this.callParticipants(participant.callid)) this.#remove(other);
    return { ok: true, participant };
  }

  /**
   * Participant action `transferto` (blind): the participant's DN leaves, its party is connected
   * to `destination` (ringing it when it is a monitored DN).
   */
  transfer(dn: string, id: number, destination: string): ActionOutcome {
    const participant = this.participant(dn, id);
    if (!participant) return refuse('NotFound', 'Participant not found');
    if (participant.status !== 'Connected') return refuse('InvalidState', 'Participant is not connected');
    return this.#redirect(participant, destination);
  }

  /** Participant actions `divert` / `routeto`: a call not yet connected goes to `destination`. */
  divert(dn: string, id: number, destination: string): ActionOutcome {
    const participant = this.participant(dn, id);
    if (!participant) return refuse('NotFound', 'Participant not found');
    if (participant.status === 'Connected') return refuse('InvalidState', 'Participant is already connected');
    return this.#redirect(participant, destination);
  }

  attachData(dn: string, id: number, data: Record<string, string>): ActionOutcome {
    const participant = this.participant(dn, id);
    if (!participant) return refuse('NotFound', 'Participant not found');
    Object.assign(participant.attached, data);
    this.#emit(0, participantPath(dn, id));
    return { ok: true, participant };
  }

  close(): void {
    this.#listeners.clear();
  }

  #redirect(participant: SimParticipant, destination: string): ActionOutcome {
    if (!/^\+?[0-9*#]{1,40}$/.test(destination)) return refuse('InvalidDestination', 'Invalid destination');
    const others = this.callParticipants(participant.callid).filter((other) => other !== participant);
    // The party that stays: a monitored DN's participant, else the outside caller.
    const stays: Party = others[0] ? this.#dnParty(this.dns.get(others[0].dn) as SimDn) : partyOf(participant);
    this.#remove(participant);
    const target = this.#party(destination);
    for (const other of others) {
      Object.assign(other, { party_dn: target.dn, party_caller_id: target.number, party_caller_name: target.name, party_dn_type: target.type });
      this.#emit(0, participantPath(other.dn, other.id));
    }
    const dn = this.dns.get(destination);
    if (dn) this.#add(dn, participant.callid, 'Ringing', stays, firstDeviceId(dn));
    return { ok: true, participant };
  }

  #party(numberOrDn: string): Party {
    const dn = this.dns.get(numberOrDn);
    if (dn) return this.#dnParty(dn);
    return { dn: EXTERNAL_LINE_DN, number: numberOrDn, name: '', type: 'Wexternalline' };
  }

  #dnParty(dn: SimDn): Party {
    return { dn: dn.dn, number: dn.dn, name: dn.name, type: dn.type };
  }

  #add(dn: SimDn, callid: number, status: SimParticipant['status'], party: Party, deviceId: string | null): SimParticipant {
    const participant: SimParticipant = {
      id: this.#nextParticipant++,
      dn: dn.dn,
      status,
      party_caller_name: party.name,
      party_dn: party.dn,
      party_caller_id: party.number,
      party_dn_type: party.type,
      device_id: deviceId,
      direct_control: dn.type === 'Wroutepoint',
      callid,
      legid: this.#nextLeg++,
      attached: {},
    };
    dn.participants.set(participant.id, participant);
    this.#emit(0, participantPath(dn.dn, participant.id));
    return participant;
  }

  #remove(participant: SimParticipant): void {
    if (!this.dns.get(participant.dn)?.participants.delete(participant.id)) return;
    this.#emit(1, participantPath(participant.dn, participant.id));
  }

  #emit(eventType: 0 | 1, entity: string): void {
    const notification: SimNotification = { event_type: eventType, entity };
    for (const listener of this.#listeners) {
      try {
        listener(notification);
      } catch {
        // A listener's failure (a closed socket) must not stop the others or the mutator.
      }
    }
  }
}

function firstDeviceId(dn: SimDn): string | null {
  const first = dn.devices.values().next();
  return first.done ? null : first.value.device_id;
}

function partyOf(participant: SimParticipant): Party {
  return { dn: participant.party_dn, number: participant.party_caller_id, name: participant.party_caller_name, type: participant.party_dn_type };
}
