/**
 * Kazoo call legs -> the protocol's `channels` entity, from either side the bridge sees them:
 * a blackhole call event (snake_case, Gregorian seconds) or a crossbar channel item (resync).
 * Pure functions: no clock (callers pass `observedAt`), no I/O.
 */
import type { Channel } from '../../protocol/entities.js';
import type { CallEventData, CallEventName, RestChannel } from './wire.js';

/** Seconds from 0000-01-01 (Erlang's calendar) to the Unix epoch. */
export const GREGORIAN_UNIX_OFFSET_SEC = 62_167_219_200;
/** The custom application variable that carries the bridge's command id on a quickcall. */
export const COMMAND_ID_CAV = 'callbridge_command_id';

export interface NormalizeContext {
  source: string;
  observedAt: string;
}

/** Gregorian seconds -> ISO string, or undefined when absent or implausible. */
export function gregorianToIso(seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < GREGORIAN_UNIX_OFFSET_SEC) return undefined;
  return new Date((seconds - GREGORIAN_UNIX_OFFSET_SEC) * 1000).toISOString();
}

/** ISO / epoch ms -> Gregorian seconds (the simulator and tests speak Kazoo's clock). */
export function toGregorian(epochMs: number): number {
  return Math.floor(epochMs / 1000) + GREGORIAN_UNIX_OFFSET_SEC;
}

/** The bridge command id carried in custom application variables, if any. */
export function commandIdOf(vars: Record<string, unknown> | undefined): string | undefined {
  const value = vars?.[COMMAND_ID_CAV];
  return typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : undefined;
}

/** The account an event belongs to (top level, else the channel vars). */
export function eventAccountId(data: CallEventData): string | undefined {
  return data.account_id ?? data.custom_channel_vars?.account_id;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/**
 * The state of a leg before it is answered. Kazoo's `call_direction` is the switch's view:
 * an `inbound` leg is a phone calling into the switch (it is dialling), an `outbound` leg is
 * the switch calling a phone or a carrier (it is ringing) — Asterisk's Ring vs Ringing.
 */
function preAnswerState(direction: 'inbound' | 'outbound' | undefined): Channel['state'] {
  return direction === 'inbound' ? 'dialing' : 'ringing';
}

const ANSWERED: ReadonlySet<Channel['state']> = new Set(['up', 'held']);

/** Sets `field` to `value` unless the value is absent (keeps what an earlier event said). */
function put<K extends keyof Channel>(entity: Channel, field: K, value: Channel[K] | undefined): void {
  if (value !== undefined) entity[field] = value;
}

/**
 * Applies one call event to the leg as the bridge knows it. Returns the new entity, or `null`
 * when the leg is gone (CHANNEL_DESTROY). Later events never undo earlier facts: a late or
 * replayed CHANNEL_CREATE does not turn an answered leg back into a ringing one.
 */
export function applyCallEvent(
  previous: Channel | undefined,
  name: CallEventName,
  data: CallEventData,
  context: NormalizeContext,
): Channel | null {
  if (name === 'CHANNEL_DESTROY') return null;
  const at = gregorianToIso(data.timestamp);
  const entity: Channel = previous
    ? { ...previous, source: context.source, observedAt: context.observedAt }
    : {
        source: context.source,
        observedAt: context.observedAt,
        channel: data.call_id,
        state: preAnswerState(data.call_direction),
        startedAt: at ?? context.observedAt,
      };
  put(entity, 'direction', data.call_direction);
  put(entity, 'callerNumber', nonEmpty(data.caller_id_number));
  put(entity, 'callerName', nonEmpty(data.caller_id_name));
  put(entity, 'calleeNumber', nonEmpty(data.callee_id_number));
  if (nonEmpty(data.callee_id_name) !== undefined) entity.calleeName = data.callee_id_name;
  put(entity, 'peer', nonEmpty(data.custom_channel_vars?.username));
  put(entity, 'linkedKey', nonEmpty(data.other_leg_call_id));

  const answered = () => {
    if (!ANSWERED.has(entity.state)) entity.state = 'up';
    entity.answeredAt ??= at ?? context.observedAt;
  };
  switch (name) {
    case 'CHANNEL_CREATE':
      if (!previous && data.channel_answer_state === 'answered') answered();
      break;
    case 'CHANNEL_ANSWER':
    case 'CHANNEL_BRIDGE':
      // A bridge joins two answered legs: if the answer event was missed, the bridge says it.
      answered();
      break;
    case 'CHANNEL_HOLD':
      answered();
      entity.state = 'held';
      break;
    case 'CHANNEL_UNHOLD':
      answered();
      entity.state = 'up';
      break;
  }
  return entity;
}

/**
 * A crossbar channel item, merged with what the bridge already knows of that leg. The REST
 * item is authoritative for live state (answered, on hold, linked leg); descriptive fields the
 * events already gave are kept, so a resync that agrees with the events publishes nothing.
 */
export function channelFromRest(item: RestChannel, previous: Channel | undefined, context: NormalizeContext): Channel {
  const fresh: Channel = {
    source: context.source,
    observedAt: context.observedAt,
    channel: item.uuid,
    state: preAnswerState(item.direction),
    startedAt: gregorianToIso(item.timestamp) ?? context.observedAt,
  };
  put(fresh, 'direction', item.direction);
  put(fresh, 'callerNumber', nonEmpty(item.caller_id_number));
  put(fresh, 'callerName', nonEmpty(item.caller_id_name));
  put(fresh, 'calleeNumber', nonEmpty(item.callee_id_number) ?? nonEmpty(item.destination));
  if (nonEmpty(item.callee_id_name) !== undefined) fresh.calleeName = item.callee_id_name;
  put(fresh, 'peer', nonEmpty(item.username));
  put(fresh, 'linkedKey', nonEmpty(item.other_leg));

  const entity: Channel = previous ? { ...fresh, ...previous, observedAt: context.observedAt } : fresh;
  const linked = nonEmpty(item.other_leg);
  if (linked !== undefined) entity.linkedKey = linked;

  if (item.is_onhold === true) entity.state = 'held';
  else if (item.answered === true) {
    // Items without `is_onhold` (master dropped fields) cannot contradict a known hold.
    if (item.is_onhold === false || !ANSWERED.has(entity.state)) entity.state = 'up';
  } else if (item.answered === false && !previous) {
    entity.state = preAnswerState(item.direction);
  }
  return entity;
}
