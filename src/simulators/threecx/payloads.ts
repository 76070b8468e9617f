/** How the simulator renders its records as Call Control API bodies (snake_case, as 3CX sends). */
import type { SimDevice, SimDn, SimParticipant } from './model-types.js';

export function participantBody(participant: SimParticipant): Record<string, unknown> {
  return {
    id: participant.id,
    status: participant.status,
    party_caller_name: participant.party_caller_name,
    party_dn: participant.party_dn,
    party_caller_id: participant.party_caller_id,
    device_id: participant.device_id,
    party_dn_type: participant.party_dn_type,
    direct_control: participant.direct_control,
    callid: participant.callid,
    legid: participant.legid,
    dn: participant.dn,
  };
}

export function deviceBody(device: SimDevice): Record<string, unknown> {
  return { dn: device.dn, device_id: device.device_id, user_agent: device.user_agent };
}

/** DNInfo: `{dn, type, devices, participants}`. */
export function dnBody(dn: SimDn): Record<string, unknown> {
  return {
    dn: dn.dn,
    type: dn.type,
    devices: [...dn.devices.values()].map(deviceBody),
    participants: [...dn.participants.values()].map(participantBody),
  };
}

/** The entity paths notifications name (segments encoded, as in a URL). */
export const participantPath = (dn: string, id: number): string => `/callcontrol/${encodeURIComponent(dn)}/participants/${id}`;
export const devicePath = (dn: string, deviceId: string): string => `/callcontrol/${encodeURIComponent(dn)}/devices/${encodeURIComponent(deviceId)}`;
