/**
 * Records of the Kazoo simulator's model. The HTTP and websocket layers only read them; the
 * model's mutators change them and emit the call events Kazoo would publish.
 */

/** Every call event Kazoo 4.3 blackhole can publish (`bh_call.erl`). */
export const SIM_CALL_EVENTS = [
  'CHANNEL_CREATE',
  'CHANNEL_ANSWER',
  'CHANNEL_DESTROY',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_BRIDGE',
  'PARK_PARKED',
  'PARK_RETRIEVED',
  'PARK_ABANDONED',
] as const;
export type SimCallEventName = (typeof SIM_CALL_EVENTS)[number];

export interface SimAccount {
  readonly id: string;
  readonly name: string;
  readonly apiKey: string;
  readonly realm: string;
}

export interface SimDevice {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  /** SIP username (`user_1001`). */
  readonly username: string;
  /** Internal extension. */
  readonly number: string;
  readonly ownerId: string | undefined;
  /** A quickcall POST to an unreachable device fails (`DESTINATION_OUT_OF_ORDER`). */
  reachable: boolean;
}

/** ACDC status vocabulary (acdc_stats.hrl). */
export type AcdcStatus = 'logged_in' | 'logged_out' | 'ready' | 'connecting' | 'connected' | 'wrapup' | 'paused' | 'outbound';

export interface SimUser {
  readonly id: string;
  readonly accountId: string;
  readonly firstName: string;
  readonly lastName: string;
  /** ACDC queue ids; undefined = not an agent. */
  queues: string[] | undefined;
  status: AcdcStatus;
  /** ms of the last status change. */
  statusAt: number;
}

export interface SimQueue {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
}

/** One call leg (a FreeSWITCH channel). */
export interface SimLeg {
  readonly uuid: string;
  readonly accountId: string;
  /** Switch's view: `inbound` = a phone calling in, `outbound` = the switch calling out. */
  readonly direction: 'inbound' | 'outbound';
  callerIdNumber: string;
  callerIdName: string;
  calleeIdNumber: string;
  calleeIdName: string;
  otherLeg: string | undefined;
  answered: boolean;
  onHold: boolean;
  readonly createdAt: number;
  answeredAt: number | undefined;
  /** SIP username of the device on this leg, if it is a device. */
  readonly username: string | undefined;
  readonly ownerId: string | undefined;
  readonly authorizingId: string | undefined;
  readonly authorizingType: 'device' | 'user' | undefined;
  readonly destination: string;
  /** Custom application variables (quickcall echoes them on every leg). */
  readonly cav: Readonly<Record<string, string>>;
}

/** A call event as the model emits it; the blackhole layer frames and routes it. */
export interface SimCallEvent {
  accountId: string;
  name: SimCallEventName;
  callId: string;
  /** Normalized (snake_case) payload. */
  data: Record<string, unknown>;
}
