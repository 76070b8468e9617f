/**
 * The bridge's mirror of the PBX's `/callcontrol` tree: DNs, their devices and their
 * participants, changed by snapshots and by single entities fetched after notifications. Each
 * change reports which `peers` and `channels` keys it may have touched (a participant also
 * touches the other participants of its call, whose `linkedKey` may point at it), so the
 * tracker re-derives and publishes only those. No I/O, no clock.
 */
import { channelKey, devicePeerKey } from './entity-path.js';
import type { Device, DnInfo, Participant } from './parsers.js';

export interface DnRecord {
  readonly dn: string;
  type: string | undefined;
  readonly devices: Map<string, Device>;
  /** By participant id (as a string). */
  readonly participants: Map<string, Participant>;
}

export interface Affected {
  peers: Set<string>;
  channels: Set<string>;
}

export const nothingAffected = (): Affected => ({ peers: new Set(), channels: new Set() });

export class CallControlState {
  readonly #dns = new Map<string, DnRecord>();
  /** callid -> channel keys of its participants, for `linkedKey`. */
  readonly #byCall = new Map<number, Set<string>>();

  get dnCount(): number {
    return this.#dns.size;
  }

  dns(): IterableIterator<DnRecord> {
    return this.#dns.values();
  }

  dn(dn: string): DnRecord | undefined {
    return this.#dns.get(dn);
  }

  /** The participant behind a channel key. */
  participant(dn: string, id: string): Participant | undefined {
    return this.#dns.get(dn)?.participants.get(id);
  }

  /** The channel key of participant `id` on whichever DN holds it. */
  findParticipant(id: string): string | undefined {
    for (const record of this.#dns.values()) {
      if (record.participants.has(id)) return channelKey(record.dn, id);
    }
    return undefined;
  }

  /**
   * The other monitored participant of the same call: the one on the participant's `party_dn`,
   * else the only other one.
   */
  linkedKey(dn: string, id: string): string | undefined {
    const participant = this.participant(dn, id);
    if (participant?.callid === undefined) return undefined;
    const own = channelKey(dn, id);
    const others = [...(this.#byCall.get(participant.callid) ?? [])].filter((key) => key !== own);
    if (participant.party_dn !== undefined) {
      const onParty = others.find((key) => key.startsWith(`${participant.party_dn}/`));
      if (onParty !== undefined) return onParty;
    }
    return others.length === 1 ? others[0] : undefined;
  }

  /** Replaces everything (a full `GET /callcontrol`). */
  replaceAll(list: readonly DnInfo[]): void {
    this.#dns.clear();
    this.#byCall.clear();
    for (const info of list) this.applyDn(info);
  }

  /** Replaces one DN's subtree (`GET /callcontrol/{dn}`). */
  applyDn(info: DnInfo): Affected {
    const affected = this.removeDn(info.dn);
    const record: DnRecord = { dn: info.dn, type: info.type, devices: new Map(), participants: new Map() };
    this.#dns.set(info.dn, record);
    affected.peers.add(info.dn);
    this.#merge(affected, this.applyDevices(info.dn, info.devices));
    this.#merge(affected, this.applyParticipants(info.dn, info.participants));
    return affected;
  }

  removeDn(dn: string): Affected {
    const affected = nothingAffected();
    const record = this.#dns.get(dn);
    if (!record) return affected;
    affected.peers.add(dn);
    for (const id of [...record.devices.keys()]) this.#merge(affected, this.removeDevice(dn, id));
    for (const id of [...record.participants.keys()]) this.#merge(affected, this.removeParticipant(dn, id));
    this.#dns.delete(dn);
    return affected;
  }

  /** Replaces a DN's device list (`GET /callcontrol/{dn}/devices`). */
  applyDevices(dn: string, devices: readonly Device[]): Affected {
    const record = this.#record(dn);
    const affected = nothingAffected();
    const wanted = new Set(devices.map((device) => device.device_id));
    for (const id of [...record.devices.keys()]) if (!wanted.has(id)) this.#merge(affected, this.removeDevice(dn, id));
    for (const device of devices) this.#merge(affected, this.upsertDevice(dn, device));
    affected.peers.add(dn);
    return affected;
  }

  /** Replaces a DN's participant list (`GET /callcontrol/{dn}/participants`). */
  applyParticipants(dn: string, participants: readonly Participant[]): Affected {
    const record = this.#record(dn);
    const affected = nothingAffected();
    const wanted = new Set(participants.map((participant) => String(participant.id)));
    for (const id of [...record.participants.keys()]) if (!wanted.has(id)) this.#merge(affected, this.removeParticipant(dn, id));
    for (const participant of participants) this.#merge(affected, this.upsertParticipant(dn, participant));
    return affected;
  }

  upsertDevice(dn: string, device: Device): Affected {
    this.#record(dn).devices.set(device.device_id, device);
    return { peers: new Set([dn, devicePeerKey(dn, device.device_id)]), channels: new Set() };
  }

  removeDevice(dn: string, deviceId: string): Affected {
    this.#dns.get(dn)?.devices.delete(deviceId);
    return { peers: new Set([dn, devicePeerKey(dn, deviceId)]), channels: new Set() };
  }

  upsertParticipant(dn: string, participant: Participant): Affected {
    const id = String(participant.id);
    const known = this.#dns.has(dn);
    const affected = this.removeParticipant(dn, id);
    // A DN first heard of through a participant becomes a peer too.
    if (!known) affected.peers.add(dn);
    this.#record(dn).participants.set(id, participant);
    const key = channelKey(dn, id);
    if (participant.callid !== undefined) {
      const mates = this.#byCall.get(participant.callid) ?? new Set<string>();
      for (const mate of mates) affected.channels.add(mate);
      mates.add(key);
      this.#byCall.set(participant.callid, mates);
    }
    affected.channels.add(key);
    return affected;
  }

  removeParticipant(dn: string, id: string): Affected {
    const affected = nothingAffected();
    const key = channelKey(dn, id);
    affected.channels.add(key);
    const record = this.#dns.get(dn);
    const old = record?.participants.get(id);
    if (!record || !old) return affected;
    record.participants.delete(id);
    if (old.callid !== undefined) {
      const mates = this.#byCall.get(old.callid);
      mates?.delete(key);
      for (const mate of mates ?? []) affected.channels.add(mate);
      if (mates?.size === 0) this.#byCall.delete(old.callid);
    }
    return affected;
  }

  /** The DN's record, created for a DN first heard of through one of its entities. */
  #record(dn: string): DnRecord {
    let record = this.#dns.get(dn);
    if (!record) {
      record = { dn, type: undefined, devices: new Map(), participants: new Map() };
      this.#dns.set(dn, record);
    }
    return record;
  }

  #merge(into: Affected, from: Affected): void {
    for (const key of from.peers) into.peers.add(key);
    for (const key of from.channels) into.channels.add(key);
  }
}
