/**
 * CHANNELS rows -> channel entities (docs/vendors/mirta.md "CHANNELS"). Pure: it receives every
 * row of one tenant, because a leg's direction and parties belong to its call (the legs sharing
 * `Linkedid`), not to the leg: the callee leg of an inbound call is a phone leg in an internal
 * context whose `CallerIDNum` is the callee's own number.
 */
import type { Channel } from '../../protocol/entities.js';
import type { Row } from './parsers.js';
import { stripTenantCode, tenantCodeOf } from './tenant-codes.js';

export interface ChannelContext {
  source: string;
  now: Date;
  /** Every code the source maps: tells a tenant's phones (`<ext>-<CODE>`) from trunks. */
  tenantCodes: readonly string[];
}

const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' || trimmed === '<unknown>' ? undefined : trimmed;
};

/** `SIP/100-DEMO-0000002a` -> `100-DEMO`; undefined for Local/… and odd names. */
export function channelPeer(channel: string): string | undefined {
  const slash = channel.indexOf('/');
  if (slash < 0) return undefined;
  const rest = channel.slice(slash + 1);
  if (rest.includes('@')) return undefined;
  const peer = rest.replace(/-[0-9a-f]{4,}(;\d+)?$/i, '');
  return peer === rest || peer === '' ? undefined : peer;
}

/** Tenant of a CHANNELS row: the channel's peer name, else `AccountCode` (the tenant code, §1.10). */
export const channelTenant = (codes: readonly string[]) => (row: Row) =>
  tenantCodeOf(channelPeer(row.channel ?? ''), codes) ??
  codes.find((code) => code.toLowerCase() === (row.accountcode ?? '').trim().toLowerCase());

const STATE_BY_DESC: Readonly<Record<string, Channel['state']>> = {
  down: 'down',
  rsrvd: 'down',
  offhook: 'dialing',
  'off hook': 'dialing',
  dialing: 'dialing',
  'dialing offhook': 'dialing',
  ring: 'ringing',
  ringing: 'ringing',
  'pre-ring': 'ringing',
  up: 'up',
  busy: 'up',
};
/** Asterisk's numeric `ChannelState`: 0 Down, 1 Rsrvd, 2 OffHook, 3 Dialing, 4 Ring, 5 Ringing, 6 Up, 7 Busy, 8, 9. */
const STATE_BY_CODE: readonly Channel['state'][] = ['down', 'down', 'dialing', 'dialing', 'ringing', 'ringing', 'up', 'up', 'dialing', 'ringing'];

/**
 * The numeric `ChannelState` first (§1.10), then `ChannelStateDesc` (or a `ChannelState` sent as
 * text); an unknown state is `down` (allocated, idle). `Up` on hold is `held`.
 */
export function channelState(row: Row): Channel['state'] {
  const raw = (row.channelstate ?? '').trim();
  const byCode = /^\d+$/.test(raw) ? STATE_BY_CODE[Number(raw)] : undefined;
  const desc = (row.channelstatedesc ?? (byCode === undefined && raw !== '' ? raw : row.state) ?? '').trim().toLowerCase();
  const base = byCode ?? STATE_BY_DESC[desc] ?? 'down';
  if (base !== 'up') return base;
  const held = (row.application ?? '').toLowerCase() === 'hold' || (row.applicationdata ?? '').toLowerCase() === 'hold';
  return held ? 'held' : 'up';
}

/** `HH:MM:SS`, `MM:SS` or seconds -> seconds (0 when unreadable). */
export function durationSeconds(value: string | undefined): number {
  const trimmed = (value ?? '').trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!/^\d+(:\d{1,2}){1,2}$/.test(trimmed)) return 0;
  return trimmed.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** Contexts a call from outside enters the dialplan in. */
const INBOUND_CONTEXT = /from-trunk|from-pstn|inbound/i;
/** A number that leaves the PBX: 6+ digits, optionally `+`. */
const EXTERNAL_NUMBER = /^\+?\d{6,}$/;

interface Leg {
  readonly row: Row;
  readonly channel: string;
  readonly index: number;
  /** The extension number when the leg is a phone of a mapped tenant (`<digits>-<CODE>`). */
  readonly extension: string | undefined;
  /** A trunk leg: an inbound context, or a named peer that is not a tenant's phone. */
  readonly trunk: boolean;
  readonly inboundContext: boolean;
}

/** What a leg reports about its whole call. */
export interface CallParties {
  direction: NonNullable<Channel['direction']>;
  callerNumber?: string;
  callerName?: string;
  calleeNumber?: string;
}

function legOf(row: Row, index: number, codes: readonly string[]): Leg | undefined {
  const channel = present(row.channel);
  if (!channel) return undefined;
  const peer = channelPeer(channel);
  const code = tenantCodeOf(peer, codes);
  const number = peer !== undefined && code !== undefined ? stripTenantCode(peer, code) : undefined;
  const extension = number !== undefined && /^\d+$/.test(number) ? number : undefined;
  const inboundContext = INBOUND_CONTEXT.test(row.context ?? '');
  return { row, channel, index, extension, inboundContext, trunk: inboundContext || (peer !== undefined && extension === undefined) };
}

/** The leg that started the call: its `Uniqueid` is the `Linkedid`; else the oldest leg. */
function originating(legs: readonly Leg[]): Leg {
  const first = legs.find((leg) => present(leg.row.uniqueid) !== undefined && leg.row.uniqueid?.trim() === leg.row.linkedid?.trim());
  if (first) return first;
  return legs.reduce((oldest, leg) => (durationSeconds(leg.row.duration) > durationSeconds(oldest.row.duration) ? leg : oldest));
}

/** `Exten` is a number only when it looks dialled (`s`, `h`, `i` are dialplan plumbing). */
function dialled(exten: string | undefined): string | undefined {
  const value = present(exten);
  return value && /^[+0-9*#]+$/.test(value) ? value : undefined;
}

/**
 * One call's direction and parties (the rule in docs/vendors/mirta.md):
 * - inbound: the originating leg is a trunk (or, when it is neither phone nor trunk, any leg
 *   sits in an inbound context);
 * - outbound: else, a trunk leg was created for the call, or a phone leg dials an external number;
 * - internal: otherwise.
 * The caller is the originating leg (its extension when it is a phone), the callee what that leg
 * is connected to (or else dials).
 */
function callParties(legs: readonly Leg[]): CallParties {
  const origin = originating(legs);
  let direction: CallParties['direction'] = 'internal';
  if (origin.trunk || (origin.extension === undefined && legs.some((leg) => leg.inboundContext))) direction = 'inbound';
  else if (legs.some((leg) => leg !== origin && leg.trunk) || legs.some((leg) => leg.extension !== undefined && EXTERNAL_NUMBER.test((leg.row.exten ?? '').trim()))) {
    direction = 'outbound';
  }
  const parties: CallParties = { direction };
  const callee = present(origin.row.connectedlinenum) ?? dialled(origin.row.exten);
  if (callee !== undefined) parties.calleeNumber = callee;
  const shownNumber = present(origin.row.calleridnum);
  // A click-to-call's first leg rings the source phone showing it the destination: that text
  // describes the callee, not the phone.
  const showsCallee = shownNumber !== undefined && shownNumber === callee && shownNumber !== origin.extension;
  const caller = origin.extension ?? shownNumber;
  if (caller !== undefined) parties.callerNumber = caller;
  const callerName = present(origin.row.calleridname);
  if (callerName !== undefined && !showsCallee) parties.callerName = callerName;
  return parties;
}

/** Every leg's call view, keyed by channel; legs are grouped by `Linkedid` (else their own id). */
export function describeCalls(rows: readonly Row[], codes: readonly string[]): Map<string, CallParties> {
  const calls = new Map<string, Leg[]>();
  rows.forEach((row, index) => {
    const leg = legOf(row, index, codes);
    if (!leg) return;
    const id = present(row.linkedid) ?? present(row.uniqueid) ?? `channel:${leg.channel}`;
    calls.set(id, [...(calls.get(id) ?? []), leg]);
  });
  const views = new Map<string, CallParties>();
  for (const legs of calls.values()) {
    const parties = callParties(legs);
    for (const leg of legs) if (!views.has(leg.channel)) views.set(leg.channel, parties);
  }
  return views;
}

/** The partner leg: `BridgedChannel` when sent, else the other leg with the same `BridgeId`. */
function partners(rows: readonly Row[]): (row: Row) => string | undefined {
  const byBridge = new Map<string, string[]>();
  for (const row of rows) {
    const bridge = present(row.bridgeid);
    const channel = present(row.channel);
    if (bridge && channel) byBridge.set(bridge, [...(byBridge.get(bridge) ?? []), channel]);
  }
  return (row) => {
    const named = present(row.bridgedchannel);
    if (named) return named;
    const bridge = present(row.bridgeid);
    const members = bridge ? (byBridge.get(bridge) ?? []) : [];
    return members.length === 2 ? members.find((channel) => channel !== present(row.channel)) : undefined;
  };
}

/**
 * `startedAt` comes from the first sighting and `answeredAt` from the first poll that saw the
 * channel up, both kept from `previous` afterwards so they never jitter.
 */
export function normalizeChannels(rows: readonly Row[], previous: ReadonlyMap<string, unknown>, ctx: ChannelContext): Map<string, Channel> {
  const nowMs = ctx.now.getTime();
  const calls = describeCalls(rows, ctx.tenantCodes);
  const partnerOf = partners(rows);
  const channels = new Map<string, Channel>();
  for (const row of rows) {
    const channel = present(row.channel);
    // The first row of a channel wins (duplicates are a vendor glitch).
    if (!channel || channels.has(channel)) continue;
    const before = previous.get(channel) as Partial<Channel> | undefined;
    const state = channelState(row);
    const startedAt = before?.startedAt ?? new Date(Math.round((nowMs - durationSeconds(row.duration) * 1000) / 1000) * 1000).toISOString();
    const entity: Channel = { source: ctx.source, observedAt: ctx.now.toISOString(), channel, state, startedAt };
    const answeredAt = before?.answeredAt ?? (state === 'up' || state === 'held' ? ctx.now.toISOString() : undefined);
    if (answeredAt) entity.answeredAt = answeredAt;
    const call = calls.get(channel) ?? { direction: 'internal' };
    const optional: Partial<Record<keyof Channel, string | undefined>> = {
      direction: call.direction,
      callerNumber: call.callerNumber,
      callerName: call.callerName,
      calleeNumber: call.calleeNumber,
      peer: channelPeer(channel),
      linkedKey: partnerOf(row),
      uniqueId: present(row.uniqueid),
      linkedId: present(row.linkedid),
      node: present(row.node),
    };
    for (const [field, value] of Object.entries(optional)) if (value !== undefined) (entity as Record<string, unknown>)[field] = value;
    entity.raw = { ...row };
    channels.set(channel, entity);
  }
  return channels;
}
