/**
 * CEL rows (`call_management/cel/?act=searchid`) and the call state built from them: rows are
 * grouped by `linkedid`; each `uniqueid` is one channel (created at CHAN_START, `up` at ANSWER,
 * gone at CHAN_END); LINKEDID_END closes the call and yields its record.
 */
import { z } from 'zod';
import { PollError } from '../../pollers/poll-error.js';
import type { Channel } from '../../protocol/entities.js';

/** The fields the bridge reads; every value is a string on the wire (seed 004). */
export const CelRowSchema = z.looseObject({
  id: z.string().regex(/^\d+$/),
  eventtype: z.string(),
  eventtime: z.string(),
  cid_name: z.string().nullish(),
  cid_num: z.string().nullish(),
  exten: z.string().nullish(),
  context: z.string().nullish(),
  channame: z.string().nullish(),
  uniqueid: z.string(),
  linkedid: z.string(),
});
export type CelRow = z.infer<typeof CelRowSchema>;

/** Parses a `searchid` body: `''` (204) is no rows; anything but an array of rows is a parse failure. */
export function parseCelPage(body: string): CelRow[] {
  if (body.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new PollError('parse', 'XiVO CEL answer is not JSON');
  }
  if (!Array.isArray(data)) throw new PollError('parse', 'XiVO CEL answer is not a list');
  const rows: CelRow[] = [];
  for (const item of data) {
    const parsed = CelRowSchema.safeParse(item);
    if (!parsed.success) throw new PollError('parse', 'XiVO CEL row without a valid id, uniqueid or linkedid');
    rows.push(parsed.data);
  }
  return rows;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (XiVO stores it without a zone; read as UTC) -> ISO string.
 * Anything unreadable gives undefined.
 */
export function celTimeToIso(eventtime: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(eventtime.trim());
  if (!m) return undefined;
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `SIP/abc-0000001a` -> `abc`; `Local/...` and odd names give undefined. */
export function peerOf(channame: string | null | undefined): string | undefined {
  if (!channame) return undefined;
  const m = /^(?:SIP|PJSIP|IAX2|SCCP|DAHDI)\/(.+)-[0-9a-f]+$/i.exec(channame);
  return m?.[1];
}

interface CallState {
  linkedid: string;
  startedAt: string;
  from?: string;
  fromName?: string;
  to?: string;
  answeredAt?: string;
  /** uniqueid -> channel fields (without source/observedAt). */
  legs: Map<string, LegState>;
}

interface LegState {
  uniqueid: string;
  channel: string;
  state: Channel['state'];
  startedAt: string;
  answeredAt?: string;
  peer?: string;
}

/** What applying one row did, for the source to publish. */
export type CelEffect =
  | { kind: 'channel'; key: string; fields: ChannelFields }
  | { kind: 'channel_end'; key: string }
  | { kind: 'call_end'; key: string; fields: CallFields };

/** A Channel without the fields the source adds (`source`, `observedAt`). */
export interface ChannelFields {
  /** The entity's key, the leg's `uniqueid`: clients find a snapshot entity's key here. */
  channel: string;
  /** Asterisk's channel name (`SIP/1001-0000002a`). */
  channelName: string;
  state: Channel['state'];
  startedAt: string;
  callerNumber?: string;
  callerName?: string;
  calleeNumber?: string;
  peer?: string;
  linkedKey?: string;
  answeredAt?: string;
}
/** A CallRecord without `source` / `observedAt`. */
export interface CallFields {
  uniqueId: string;
  startedAt: string;
  endedAt: string;
  durationSec: number;
  disposition: 'answered' | 'no_answer';
  from?: string;
  to?: string;
  answeredAt?: string;
  billsec?: number;
  /** The call began before the rows this source read (a restart mid-call). */
  partial?: boolean;
}

/** Calls still open after this many tracked calls lose the oldest (a missed LINKEDID_END). */
const MAX_OPEN_CALLS = 10_000;

export class CelTracker {
  readonly #calls = new Map<string, CallState>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  get openCalls(): number {
    return this.#calls.size;
  }

  /** Every channel still up, as entity fields by key. */
  liveChannels(): Map<string, ChannelFields> {
    const live = new Map<string, ChannelFields>();
    for (const call of this.#calls.values()) for (const leg of call.legs.values()) live.set(leg.uniqueid, this.#fields(call, leg));
    return live;
  }

  /** Applies one row; returns the entity changes it makes. */
  apply(row: CelRow): CelEffect[] {
    const at = celTimeToIso(row.eventtime) ?? this.#now().toISOString();
    let call = this.#calls.get(row.linkedid);
    if (row.eventtype === 'LINKEDID_END') {
      this.#calls.delete(row.linkedid);
      const effects: CelEffect[] = [];
      // A call whose CHAN_ENDs went missing: its legs go with it.
      for (const leg of call?.legs.values() ?? []) effects.push({ kind: 'channel_end', key: leg.uniqueid });
      effects.push({ kind: 'call_end', key: row.linkedid, fields: this.#record(call, row, at) });
      return effects;
    }
    if (!call) {
      if (row.eventtype === 'CHAN_END' || row.eventtype === 'HANGUP') return [];
      call = { linkedid: row.linkedid, startedAt: at, legs: new Map() };
      if (row.uniqueid === row.linkedid) this.#callerInfo(call, row);
      this.#calls.set(row.linkedid, call);
      this.#bound();
    }
    let leg = call.legs.get(row.uniqueid);
    switch (row.eventtype) {
      case 'CHAN_START': {
        if (row.uniqueid === row.linkedid && call.from === undefined) this.#callerInfo(call, row);
        leg = { uniqueid: row.uniqueid, channel: row.channame || row.uniqueid, state: row.uniqueid === row.linkedid ? 'dialing' : 'ringing', startedAt: at };
        const peer = peerOf(row.channame);
        if (peer !== undefined) leg.peer = peer;
        call.legs.set(row.uniqueid, leg);
        return [{ kind: 'channel', key: leg.uniqueid, fields: this.#fields(call, leg) }];
      }
      case 'ANSWER':
      case 'BRIDGE_ENTER':
      case 'BRIDGE_START': {
        // A restart may resume mid-call: an unknown leg answering is created as it is now.
        leg ??= this.#unknownLeg(call, row, at);
        if (leg.state === 'up') return [];
        leg.state = 'up';
        leg.answeredAt ??= at;
        call.answeredAt ??= at;
        return [{ kind: 'channel', key: leg.uniqueid, fields: this.#fields(call, leg) }];
      }
      case 'CHAN_END': {
        if (!leg) return [];
        call.legs.delete(row.uniqueid);
        return [{ kind: 'channel_end', key: row.uniqueid }];
      }
      default:
        return [];
    }
  }

  #unknownLeg(call: CallState, row: CelRow, at: string): LegState {
    const leg: LegState = { uniqueid: row.uniqueid, channel: row.channame || row.uniqueid, state: 'ringing', startedAt: at };
    const peer = peerOf(row.channame);
    if (peer !== undefined) leg.peer = peer;
    call.legs.set(row.uniqueid, leg);
    return leg;
  }

  #callerInfo(call: CallState, row: CelRow): void {
    if (row.cid_num) call.from = row.cid_num;
    if (row.cid_name) call.fromName = row.cid_name;
    if (row.exten && row.exten !== 's') call.to = row.exten;
  }

  #fields(call: CallState, leg: LegState): ChannelFields {
    // `channel` must be the key: a client applying a snapshot derives each entity's key from it
    // (protocol §2), and a channel name is not unique across Asterisk restarts.
    const fields: ChannelFields = { channel: leg.uniqueid, channelName: leg.channel, state: leg.state, startedAt: leg.startedAt };
    if (call.from !== undefined) fields.callerNumber = call.from;
    if (call.fromName !== undefined) fields.callerName = call.fromName;
    if (call.to !== undefined) fields.calleeNumber = call.to;
    if (leg.peer !== undefined) fields.peer = leg.peer;
    if (leg.answeredAt !== undefined) fields.answeredAt = leg.answeredAt;
    const other = leg.uniqueid === call.linkedid ? [...call.legs.keys()].find((k) => k !== leg.uniqueid) : call.linkedid;
    if (other !== undefined) fields.linkedKey = other;
    return fields;
  }

  #record(call: CallState | undefined, row: CelRow, at: string): CallFields {
    const startedAt = call?.startedAt ?? at;
    const fields: CallFields = {
      uniqueId: row.linkedid,
      startedAt,
      endedAt: at,
      durationSec: Math.max(0, Math.round((Date.parse(at) - Date.parse(startedAt)) / 1000)),
      disposition: call?.answeredAt !== undefined ? 'answered' : 'no_answer',
    };
    if (call?.from !== undefined) fields.from = call.from;
    if (call?.to !== undefined) fields.to = call.to;
    if (call?.answeredAt !== undefined) {
      fields.answeredAt = call.answeredAt;
      fields.billsec = Math.max(0, Math.round((Date.parse(at) - Date.parse(call.answeredAt)) / 1000));
    }
    if (call === undefined) fields.partial = true;
    return fields;
  }

  #bound(): void {
    while (this.#calls.size > MAX_OPEN_CALLS) {
      const oldest = this.#calls.keys().next().value;
      if (oldest === undefined) break;
      this.#calls.delete(oldest);
    }
  }
}
