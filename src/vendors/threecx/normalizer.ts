/**
 * The 3CX mirror -> the protocol's entities: participants -> `channels`, DNs and their devices
 * -> `peers`. Pure functions: no clock (callers pass `observedAt`), no I/O.
 *
 * 3CX gives no timestamps and no direction [C]: `startedAt` is when the bridge first saw the
 * participant, `answeredAt` when it first saw it connected, and the direction is read from the
 * first status seen (a DN `Dialing` is calling out, a DN `Ringing` is being called) and kept.
 */
import type { Channel, Entity, Peer } from '../../protocol/entities.js';
import { channelKey, devicePeerKey } from './entity-path.js';
import type { Device, Participant } from './parsers.js';
import type { CallControlState, DnRecord } from './state.js';

export interface NormalizeContext {
  source: string;
  observedAt: string;
}

const STATE_BY_STATUS: Readonly<Record<string, Channel['state']>> = {
  dialing: 'dialing',
  ringing: 'ringing',
  connected: 'up',
  // Not seen in the facts [I]: 3CX's call state names for a held party.
  held: 'held',
  onhold: 'held',
};

/** The protocol state of a 3CX participant status; an unknown status counts as still ringing. */
export function channelState(status: string | undefined): Channel['state'] {
  return STATE_BY_STATUS[(status ?? '').toLowerCase()] ?? 'ringing';
}

function firstDirection(state: Channel['state']): Channel['direction'] {
  if (state === 'dialing') return 'outbound';
  if (state === 'ringing') return 'inbound';
  return undefined;
}

/** 3CX spells DN types `Wextension`, `Wroutepoint`, ... [I]. */
const isExtension = (type: string | undefined): boolean => type !== undefined && /extension/i.test(type);

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

export interface ParticipantInput {
  dn: string;
  participant: Participant;
  linkedKey: string | undefined;
  previous: Channel | undefined;
}

/** One participant as a `channels` entity, keeping what the bridge learnt of it before. */
export function participantChannel(input: ParticipantInput, context: NormalizeContext): Channel {
  const { dn, participant, previous } = input;
  const state = channelState(participant.status);
  const direction = previous ? previous.direction : firstDirection(state);
  const party = nonEmpty(participant.party_caller_id) ?? nonEmpty(participant.party_dn);
  const partyName = nonEmpty(participant.party_caller_name);
  const entity: Channel = {
    source: context.source,
    observedAt: context.observedAt,
    channel: channelKey(dn, participant.id),
    state,
    startedAt: previous?.startedAt ?? context.observedAt,
    peer: dn,
    dn,
  };
  if (direction !== undefined) entity.direction = direction;
  if (direction === 'outbound') {
    entity.callerNumber = dn;
    if (party !== undefined) entity.calleeNumber = party;
    if (partyName !== undefined) entity.calleeName = partyName;
  } else if (direction === 'inbound') {
    if (party !== undefined) entity.callerNumber = party;
    if (partyName !== undefined) entity.callerName = partyName;
    entity.calleeNumber = dn;
  }
  if (party !== undefined) entity.partyNumber = party;
  if (partyName !== undefined) entity.partyName = partyName;
  if (input.linkedKey !== undefined) entity.linkedKey = input.linkedKey;
  if (participant.callid !== undefined) entity.callId = String(participant.callid);
  if (participant.status !== undefined) entity.vendorStatus = participant.status;
  const answeredAt = previous?.answeredAt ?? (state === 'up' || state === 'held' ? context.observedAt : undefined);
  if (answeredAt !== undefined) entity.answeredAt = answeredAt;
  return entity;
}

/**
 * A DN as a peer. The devices 3CX lists under a DN are its registered endpoints [I], so a DN
 * with at least one is `registered`; an extension without one is `unregistered`. Other DNs
 * (route points, queues) need no phone to work: without a device their status is `unknown`.
 */
export function dnPeer(record: DnRecord, context: NormalizeContext): Peer {
  const peer: Peer = {
    source: context.source,
    observedAt: context.observedAt,
    name: record.dn,
    status: record.devices.size > 0 ? 'registered' : isExtension(record.type) ? 'unregistered' : 'unknown',
    kind: 'dn',
    devices: record.devices.size,
  };
  if (record.type !== undefined) peer.dnType = record.type;
  return peer;
}

/** A registered device of a DN as a peer (key `dn/device_id`). */
export function devicePeer(dn: string, device: Device, context: NormalizeContext): Peer {
  const peer: Peer = {
    source: context.source,
    observedAt: context.observedAt,
    name: devicePeerKey(dn, device.device_id),
    status: 'registered',
    kind: 'device',
    dn,
    deviceId: device.device_id,
  };
  if (device.user_agent !== undefined) peer.userAgent = device.user_agent;
  return peer;
}

/** Every peer of the mirror. */
export function peersFrom(state: CallControlState, context: NormalizeContext): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const record of state.dns()) {
    out.set(record.dn, dnPeer(record, context));
    for (const device of record.devices.values()) out.set(devicePeerKey(record.dn, device.device_id), devicePeer(record.dn, device, context));
  }
  return out;
}

/** Every channel of the mirror, each merged with what the bus held for it. */
export function channelsFrom(state: CallControlState, previous: ReadonlyMap<string, Entity>, context: NormalizeContext): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const record of state.dns()) {
    for (const [id, participant] of record.participants) {
      const key = channelKey(record.dn, id);
      const input: ParticipantInput = {
        dn: record.dn,
        participant,
        linkedKey: state.linkedKey(record.dn, id),
        previous: previous.get(key) as Channel | undefined,
      };
      out.set(key, participantChannel(input, context));
    }
  }
  return out;
}
