/**
 * Tunables of the simulator's behaviour: how fast the PBX reacts to commands, what the command
 * answers say, and how slow each request is.
 */

/** How a DIAL (and a transfer) unfolds; defaults keep a whole call setup under half a second. */
export interface CommandTimings {
  /** DIAL answered → the source phone rings. */
  readonly originateMs: number;
  /** Source phone ringing → answered; the far leg starts ringing. */
  readonly sourceAnswerMs: number;
  /** Far leg ringing → answered and bridged (also transfer targets). */
  readonly destAnswerMs: number;
  /** HANGUP, AGENT, SETFLOW, TRANSFER: answer sent → state changed. */
  readonly commandMs: number;
}

export const DEFAULT_TIMINGS: CommandTimings = Object.freeze({
  originateMs: 60,
  sourceAnswerMs: 150,
  destAnswerMs: 250,
  commandMs: 20,
});

/** The texts of command answers. Only DIAL's are confirmed; the rest are AMI's wording ([I]). */
export interface ReplyTexts {
  readonly originateQueued: string;
  readonly extensionMissing: string;
  readonly hangupOk: string;
  readonly noSuchChannel: string;
  readonly noChannelSpecified: string;
  readonly redirectOk: string;
  readonly atxferOk: string;
  readonly pausedOk: string;
  readonly unpausedOk: string;
  readonly interfaceNotFound: string;
  readonly flowSet: string;
  readonly flowNotFound: string;
  readonly invalidFlowState: string;
  readonly noExtensionSpecified: string;
  readonly noIdSpecified: string;
  readonly wrongTenant: string;
}

export const DEFAULT_REPLIES: ReplyTexts = Object.freeze({
  originateQueued: 'Originate successfully queued',
  extensionMissing: 'Extension does not exist.',
  hangupOk: 'Channel Hungup',
  noSuchChannel: 'No such channel',
  noChannelSpecified: 'No channel specified',
  redirectOk: 'Redirect successful',
  atxferOk: 'Atxfer successfully queued',
  pausedOk: 'Interface paused successfully',
  unpausedOk: 'Interface unpaused successfully',
  interfaceNotFound: 'Interface not found',
  flowSet: 'Flow set',
  flowNotFound: 'Flow not found',
  invalidFlowState: 'Invalid state',
  noExtensionSpecified: 'No extension specified',
  noIdSpecified: 'No id specified',
  wrongTenant: 'Wrong or missing tenant',
});

/** Extra delay before answering, per reqtype. Off by default so tests stay fast. */
export interface LatencyOptions {
  /** ms per reqtype (upper case), e.g. `{ COUNTPEERS: 23_000 }`. CHANNELS here is with `nodename`. */
  readonly byReqtype?: Readonly<Record<string, number>>;
  /** CHANNELS without `nodename`, i.e. cluster-wide. */
  readonly channelsClusterWide?: number;
}

/** What the 1com cluster showed (1COM-AUDIT A-70, 1COM-PY): for bridge tests of slow polls. */
export const VENDOR_LATENCY: LatencyOptions = Object.freeze({
  byReqtype: Object.freeze({ COUNTPEERS: 23_000, CHANNELS: 350 }),
  channelsClusterWide: 7_000,
});

/** The delay a request gets under `latency`. */
export function latencyFor(latency: LatencyOptions, reqtype: string, nodename: string | undefined): number {
  if (reqtype === 'CHANNELS' && !nodename && latency.channelsClusterWide !== undefined) return latency.channelsClusterWide;
  return latency.byReqtype?.[reqtype] ?? 0;
}

/** CHANNELS key case: AMI CamelCase, or all lower case as some hosts answer ([U], keep switchable). */
export type ChannelKeyCase = 'ami' | 'lower';
