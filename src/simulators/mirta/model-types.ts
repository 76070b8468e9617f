/**
 * Record types of the MiRTA simulator's model. The model hands these out read-only; only its
 * mutators change them, so what the HTTP layer renders is always one consistent snapshot.
 */

/** Registration state of a SIP peer, as `sip show peers` would report it. */
export type PeerStatus = 'registered' | 'lagged' | 'unreachable' | 'unmonitored' | 'unregistered';

/** Asterisk device-state names, as MiRTA puts them in `st_state`. */
export type DeviceState =
  | 'NOT_INUSE'
  | 'INUSE'
  | 'BUSY'
  | 'RINGING'
  | 'RINGINUSE'
  | 'ONHOLD'
  | 'UNAVAILABLE'
  | 'INVALID'
  | 'UNKNOWN';

/** The four states SETFLOW accepts (HELP text). */
export const FLOW_STATES = ['INUSE', 'NOT_INUSE', 'UNAVAILABLE', 'RINGING'] as const;
export type FlowState = (typeof FLOW_STATES)[number];

/** Asterisk channel states with their numeric `ChannelState` codes. */
export const CHANNEL_STATE_CODES = {
  Down: 0,
  Rsrvd: 1,
  OffHook: 2,
  Dialing: 3,
  Ring: 4,
  Ringing: 5,
  Up: 6,
  Busy: 7,
} as const;
export type ChannelStateName = keyof typeof CHANNEL_STATE_CODES;

export interface TenantRecord {
  readonly code: string;
  readonly id: number;
  readonly name: string;
  /** Cluster node the tenant's calls run on (`nodename` filter of CHANNELS). */
  readonly node: string;
}

/** Secret fields MiRTA leaks in `info=extensions`; kept so the bridge's stripping is testable. */
export interface ExtensionSecrets {
  readonly password: string;
  readonly webPassword: string;
  readonly lockPin: string;
  readonly voicemailPin: string;
  readonly twoFactorSecret: string;
  readonly email: string;
}

export interface ExtensionRecord {
  readonly id: number;
  readonly tenant: string;
  readonly number: string;
  name: string;
  readonly tech: 'SIP' | 'PJSIP';
  disabled: boolean;
  readonly secrets: ExtensionSecrets;
}

export interface PeerRecord {
  /** `<ext>-<TENANT>`, the SIP username. */
  readonly name: string;
  readonly tenant: string;
  readonly extension: string;
  readonly node: string;
  status: PeerStatus;
  /** Last registered address; kept while unreachable, hidden when unregistered. */
  host: string;
  port: number;
  latencyMs: number;
}

export interface AgentRecord {
  /** Peer name of the agent's phone (`101-DEMO`). */
  readonly agent: string;
  paused: boolean;
  pauseReason: string;
  callsTaken: number;
  /** ms timestamp of the last answered queue call. */
  lastCallAt: number | null;
}

export interface QueueStats {
  received: number;
  answered: number;
  abandoned: number;
  timedOut: number;
  transferred: number;
  talkTimeSec: number;
  holdTimeSec: number;
  maxHoldSec: number;
}

export interface QueueWaiter {
  readonly channel: string;
  readonly since: number;
}

export interface QueueRecord {
  /** Database id (the `queue=` / `id=` parameter). */
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  /** Dialable number. */
  readonly number: string;
  readonly agents: AgentRecord[];
  readonly stats: QueueStats;
  /** Caller channels waiting, oldest first, with the time each one joined. */
  readonly waiting: QueueWaiter[];
}

export interface FlowRecord {
  readonly id: string;
  readonly tenant: string;
  readonly number: string;
  readonly name: string;
  readonly comment: string;
  value: string;
  /** `fl_value_for_*`: the value a state change implies, when set. */
  readonly valueFor: Readonly<Record<FlowState, string>>;
  readonly variableName: string;
  state: FlowState;
  /** ms timestamp of the last state change. */
  since: number;
}

export interface ChannelRecord {
  readonly name: string;
  readonly tenant: string;
  /** Peer part of the name: `100-DEMO`, or `trunk-DEMO` for the outside leg. */
  readonly peer: string;
  /** Internal extension number, or null for a trunk leg. */
  readonly extension: string | null;
  readonly node: string;
  readonly uniqueid: string;
  readonly linkedid: string;
  state: ChannelStateName;
  held: boolean;
  callerNum: string;
  callerName: string;
  connectedNum: string;
  connectedName: string;
  context: string;
  exten: string;
  priority: number;
  application: string;
  applicationData: string;
  bridgedTo: string | null;
  bridgeId: string;
  /** For a ringing leg: the channel that dials it and is bridged to it on answer. */
  dialedBy: string | null;
  /** For a leg held during an attended transfer: the transferring channel. */
  transferHold: string | null;
  /** Queue id while this caller waits in a queue. */
  waitingQueue: string | null;
  readonly startedAt: number;
  answeredAt: number | null;
}

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/** One live call: every leg shares its `linkedid`. */
export interface LiveCallRecord {
  readonly linkedid: string;
  readonly tenant: string;
  readonly direction: CallDirection;
  readonly from: string;
  to: string;
  queueId: string | null;
  readonly originateId: string;
  readonly startedAt: number;
  answeredAt: number | null;
  /** Peer of the leg that answered (`whoanswered` of the CDR). */
  answeredBy: string;
}

/** A finished call, as `info=cdrs` / `info=simplecdrs` list it. */
export interface CdrRecord {
  readonly uniqueid: string;
  readonly originateId: string;
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallDirection;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  readonly whoAnswered: string;
}

/** A hint's device state and when it last changed (`st_timestamp`). */
export interface DeviceStateRecord {
  readonly hint: string;
  readonly state: DeviceState;
  readonly since: number;
}
