/**
 * Records of the 3CX simulator's model, in the shapes of the Call Control API
 * (shared/vendors/README.md §6). The HTTP and websocket layers only read them; the model's
 * mutators change them and emit the notifications 3CX would push.
 */

/** 3CX DN types as the API spells them [I]: the simulator uses extensions and a route point. */
export type SimDnType = 'Wextension' | 'Wroutepoint' | 'Wqueue';

export interface SimDevice {
  readonly dn: string;
  readonly device_id: string;
  readonly user_agent: string;
}

/** Statuses seen on 3CX: Dialing, Ringing, Connected. */
export type SimParticipantStatus = 'Dialing' | 'Ringing' | 'Connected';

/** A CallParticipant: one DN's connection to a call, seen from that DN. */
export interface SimParticipant {
  readonly id: number;
  readonly dn: string;
  status: SimParticipantStatus;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_dn_type: string;
  device_id: string | null;
  direct_control: boolean;
  readonly callid: number;
  readonly legid: number;
  /** `attach_participant_data`. */
  attached: Record<string, string>;
}

export interface SimDn {
  readonly dn: string;
  readonly type: SimDnType;
  readonly name: string;
  readonly devices: Map<string, SimDevice>;
  readonly participants: Map<number, SimParticipant>;
}

/** `event_type` of a websocket notification: 0 Upsert, 1 Remove (2 DTMF, 3 prompt playback finished). */
export type SimEventType = 0 | 1 | 2 | 3;

/** A notification as the model emits it; the websocket layer numbers and frames it. */
export interface SimNotification {
  event_type: SimEventType;
  entity: string;
  attached_data?: unknown;
}
