/**
 * Model records turned into the rows proxyapi.php sends, column names and order as observed
 * (1COM-AUDIT) or as docs/vendors/mirta.md fixes them where nothing was observed.
 */
import { OrderedObject } from './formats.js';
import type {
  AgentRecord,
  CdrRecord,
  ChannelRecord,
  DeviceState,
  FlowRecord,
  PeerRecord,
  QueueRecord,
} from './model-types.js';
import { CHANNEL_STATE_CODES } from './model-types.js';

export const PEER_COLUMNS = ['node', 'Name', 'Host', 'Dyn', 'Forcerport', 'Comedia', 'ACL', 'Port', 'Status', 'Description', 'Realtime'] as const;

/**
 * [U] at the vendor; shared/vendors §1.10: Asterisk `CoreShowChannels` fields in AMI order, after
 * the cluster node. `BridgedChannel` (the partner leg) is the simulator's extra, last.
 */
export const CHANNEL_COLUMNS = [
  'node', 'Channel', 'ChannelState', 'ChannelStateDesc', 'CallerIDNum', 'CallerIDName', 'ConnectedLineNum',
  'ConnectedLineName', 'Language', 'AccountCode', 'Context', 'Exten', 'Priority', 'Uniqueid', 'Linkedid',
  'Application', 'ApplicationData', 'Duration', 'BridgeId', 'BridgedChannel',
] as const;

/** `Language` of every channel (the tenant's prompts language; one value is enough here). */
export const CHANNEL_LANGUAGE = 'en';

export const BLF_COLUMNS = ['st_extension', 'st_state', 'st_timestamp'] as const;

export const FLOW_COLUMNS = [
  'fl_id', 'fl_te_id', 'fl_name', 'fl_comment', 'fl_number', 'fl_value', 'fl_value_for_unavailable',
  'fl_value_for_inuse', 'fl_value_for_notinuse', 'fl_value_for_ringing', 'fl_variable_name', 'fl_monitor_type',
  'fl_monitor_type_id', 'fl_monitor_parameter', 'st_extension', 'st_state', 'st_timestamp', 'st_peername',
] as const;

export const QUEUE_STAT_COLUMNS = [
  'AGENTSAVAILABLE', 'AGENTSPAUSED', 'AGENTSFREE', 'AGENTSONLINE', 'CALLSINQUEUE', 'SERVICELEVEL', 'FIRSTWAITING',
  'SECONDWAITING', 'THIRDWAITING', 'CALLSONLINE', 'TALKTIME', 'HOLDTIME', 'ANSWEREDCALLS', 'CALLSRECEIVED',
  'REALANSWEREDCALLS', 'TRANSFEREDCALLS', 'ABANDONEDCALLS', 'TIMEDOUTCALLS', 'QUEUECAR', 'EXITWITHKEYCALLS',
  'MAXHOLDTIME', 'AVERAGETALKTIME', 'AVERAGEHOLDTIME',
] as const;

export const EXTENSION_PLAIN_COLUMNS = ['Number', 'Name', 'Tech', 'State', 'Username', 'Password'] as const;

export const CDR_COLUMNS = ['uniqueid', 'ID', 'te_id', 'realsrc', 'lastdst', 'start', 'duration', 'answer', 'direction', 'disposition'] as const;

const SIMPLE_CDR_COLUMNS = [
  'sc_te_id', 'tenantcode', 'sc_start', 'sc_direction', 'sc_calleridnum', 'sc_calleridname', 'sc_dialednum',
  'sc_disposition', 'sc_duration', 'sc_uniqueid', 'sc_whoanswered',
] as const;

const SERVICE_LEVEL_SEC = 60;
const BUSY_DEVICE_STATES: ReadonlySet<DeviceState> = new Set(['INUSE', 'BUSY', 'RINGING', 'RINGINUSE', 'ONHOLD']);
const CDR_DIRECTION = { inbound: 'IN', outbound: 'OUT', internal: 'LOCAL' } as const;

export type Row = Record<string, string>;

function seconds(ms: number): number {
  return Math.max(0, Math.floor(ms / 1000));
}

/** `HH:MM:SS`, as Asterisk shows a channel's duration. */
export function hms(totalSec: number): string {
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const s = totalSec % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/** MySQL DATETIME text (UTC): `2024-05-17 16:03:11`. */
export function sqlDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `FL<number>-<TENANT>`: the hint key of a flow among the BLFs. */
export function flowHint(flow: FlowRecord): string {
  return `FL${flow.number}-${flow.tenant}`;
}

/** `sip show peers` status text. */
function peerStatusText(peer: PeerRecord): string {
  switch (peer.status) {
    case 'registered':
      return `OK (${peer.latencyMs} ms)`;
    case 'lagged':
      return `LAGGED (${peer.latencyMs} ms)`;
    case 'unreachable':
      return 'UNREACHABLE';
    case 'unmonitored':
      return 'Unmonitored';
    case 'unregistered':
      return 'UNKNOWN';
  }
}

export function peerRow(peer: PeerRecord): Row {
  const registered = peer.status !== 'unregistered';
  return {
    node: peer.node,
    Name: `${peer.name}/${peer.name}`,
    Host: registered ? peer.host : '(Unspecified)',
    Dyn: 'D',
    Forcerport: 'Yes',
    Comedia: 'Yes',
    ACL: '',
    Port: registered ? String(peer.port) : '0',
    Status: peerStatusText(peer),
    Description: '',
    Realtime: 'Cached RT',
  };
}

export function channelRow(leg: ChannelRecord, now: number): Row {
  return {
    node: leg.node,
    Channel: leg.name,
    ChannelState: String(CHANNEL_STATE_CODES[leg.state]),
    ChannelStateDesc: leg.state,
    CallerIDNum: leg.callerNum,
    CallerIDName: leg.callerName,
    ConnectedLineNum: leg.connectedNum,
    ConnectedLineName: leg.connectedName,
    Language: CHANNEL_LANGUAGE,
    // The tenant code (§1.10): what places a trunk leg in its tenant.
    AccountCode: leg.tenant,
    Context: leg.context,
    Exten: leg.exten,
    Priority: String(leg.priority),
    Uniqueid: leg.uniqueid,
    Linkedid: leg.linkedid,
    Application: leg.application,
    // The contract's hold marker (docs/vendors/mirta.md: `ApplicationData=hold`).
    ApplicationData: leg.held ? 'hold' : leg.applicationData,
    Duration: hms(seconds(now - leg.startedAt)),
    BridgeId: leg.bridgeId,
    BridgedChannel: leg.bridgedTo ?? '',
  };
}

export function blfRow(hint: string, state: string, since: number): Row {
  return { st_extension: hint, st_state: state, st_timestamp: String(seconds(since)) };
}

export function flowRow(flow: FlowRecord, tenantId: number): Row {
  return {
    fl_id: flow.id,
    fl_te_id: String(tenantId),
    fl_name: flow.name,
    fl_comment: flow.comment,
    fl_number: flow.number,
    fl_value: flow.value,
    fl_value_for_unavailable: flow.valueFor.UNAVAILABLE,
    fl_value_for_inuse: flow.valueFor.INUSE,
    fl_value_for_notinuse: flow.valueFor.NOT_INUSE,
    fl_value_for_ringing: flow.valueFor.RINGING,
    fl_variable_name: flow.variableName,
    fl_monitor_type: '0',
    fl_monitor_type_id: '',
    fl_monitor_parameter: '',
    st_extension: flowHint(flow),
    st_state: flow.state,
    st_timestamp: String(seconds(flow.since)),
    st_peername: '',
  };
}

/** What the queue needs to know about each member's phone. */
export type AgentDeviceLookup = (agent: AgentRecord) => DeviceState;

/** Member status (slot "1" of `info=agents`): paused wins, then the phone's state. */
export function agentStatus(agent: AgentRecord, device: DeviceState): string {
  if (agent.paused) return 'paused';
  if (device === 'UNAVAILABLE' || device === 'INVALID') return 'unavailable';
  return BUSY_DEVICE_STATES.has(device) ? 'busy' : 'available';
}

/**
 * The sparse positional object of `info=agents` (shared/vendors §1.10): "0" paused as a JSON
 * number, "1" member status, "2" device state, "4" pause reason, "5" calls taken, "6" last call
 * (epoch seconds), "10"/"11" the agent id. Empty slots are `""`, as observed: a count of
 * 0 and "never" included.
 */
export function agentSlots(agent: AgentRecord, device: DeviceState): Record<string, string | number> {
  return {
    '0': agent.paused ? 1 : 0,
    '1': agentStatus(agent, device),
    '2': device,
    '4': agent.paused ? agent.pauseReason : '',
    '5': agent.callsTaken > 0 ? String(agent.callsTaken) : '',
    '6': agent.lastCallAt === null ? '' : String(seconds(agent.lastCallAt)),
    '7': '',
    '8': '',
    '10': agent.agent,
    '11': agent.agent,
  };
}

/** The 23 statistics of `info=queue`, all strings. */
export function queueStatsRow(queue: QueueRecord, device: AgentDeviceLookup, callsOnline: number, now: number): Row {
  const devices = queue.agents.map((agent) => ({ agent, state: device(agent) }));
  const online = devices.filter(({ state }) => state !== 'UNAVAILABLE' && state !== 'INVALID');
  const available = online.filter(({ agent }) => !agent.paused);
  const waited = queue.waiting.map((w) => seconds(now - w.since));
  const { stats } = queue;
  const average = (total: number) => (stats.answered > 0 ? Math.round(total / stats.answered) : 0);
  const values: Record<(typeof QUEUE_STAT_COLUMNS)[number], number> = {
    AGENTSAVAILABLE: available.length,
    AGENTSPAUSED: queue.agents.filter((a) => a.paused).length,
    AGENTSFREE: available.filter(({ state }) => state === 'NOT_INUSE').length,
    AGENTSONLINE: online.length,
    CALLSINQUEUE: queue.waiting.length,
    SERVICELEVEL: SERVICE_LEVEL_SEC,
    FIRSTWAITING: waited[0] ?? 0,
    SECONDWAITING: waited[1] ?? 0,
    THIRDWAITING: waited[2] ?? 0,
    CALLSONLINE: callsOnline,
    TALKTIME: stats.talkTimeSec,
    HOLDTIME: stats.holdTimeSec,
    ANSWEREDCALLS: stats.answered,
    CALLSRECEIVED: stats.received,
    REALANSWEREDCALLS: stats.answered,
    TRANSFEREDCALLS: stats.transferred,
    ABANDONEDCALLS: stats.abandoned,
    TIMEDOUTCALLS: stats.timedOut,
    QUEUECAR: 0,
    EXITWITHKEYCALLS: 0,
    MAXHOLDTIME: stats.maxHoldSec,
    AVERAGETALKTIME: average(stats.talkTimeSec),
    AVERAGEHOLDTIME: average(stats.holdTimeSec),
  };
  return Object.fromEntries(QUEUE_STAT_COLUMNS.map((column) => [column, String(values[column])]));
}

export function cdrRow(cdr: CdrRecord, tenantId: number): Row {
  return {
    uniqueid: cdr.uniqueid,
    ID: cdr.originateId,
    te_id: String(tenantId),
    realsrc: cdr.from,
    lastdst: cdr.to,
    start: sqlDateTime(cdr.startedAt),
    duration: String(seconds(cdr.endedAt - cdr.startedAt)),
    answer: cdr.answeredAt === null ? '' : sqlDateTime(cdr.answeredAt),
    direction: CDR_DIRECTION[cdr.direction],
    disposition: cdr.answeredAt === null ? 'NO ANSWER' : 'ANSWERED',
  };
}

/** A SIMPLECDRS row as PHP's `fetch_array` gives it: each value under `"n"` and its name. */
export function simpleCdrRow(cdr: CdrRecord, tenantId: number): OrderedObject {
  const values: Record<(typeof SIMPLE_CDR_COLUMNS)[number], string> = {
    sc_te_id: String(tenantId),
    tenantcode: cdr.tenant,
    sc_start: sqlDateTime(cdr.startedAt),
    sc_direction: CDR_DIRECTION[cdr.direction],
    sc_calleridnum: cdr.from,
    sc_calleridname: '',
    sc_dialednum: cdr.to,
    sc_disposition: cdr.answeredAt === null ? 'NO ANSWER' : 'ANSWERED',
    sc_duration: String(seconds(cdr.endedAt - cdr.startedAt)),
    sc_uniqueid: cdr.uniqueid,
    sc_whoanswered: cdr.whoAnswered,
  };
  return new OrderedObject(
    SIMPLE_CDR_COLUMNS.flatMap((column, index) => [
      [String(index), values[column]] as const,
      [column, values[column]] as const,
    ]),
  );
}
