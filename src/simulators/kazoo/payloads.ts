/**
 * How the simulator renders a leg: as a blackhole call-event payload (kz_json:normalize_jobj'd
 * AMQP call event: snake_case, Gregorian seconds, CCVs with the account id) and as a crossbar
 * channel item (4.3 cb_channels props). Shapes follow shared/vendors/README.md §2.2 and §2.4.
 */
import { randomBytes } from 'node:crypto';
import type { SimAccount, SimCallEventName, SimLeg } from './model-types.js';

export const GREGORIAN_UNIX_OFFSET_SEC = 62_167_219_200;
export const SIM_KAZOO_VERSION = '4.3.0';

export const gregorian = (epochMs: number): number => Math.floor(epochMs / 1000) + GREGORIAN_UNIX_OFFSET_SEC;

/** A Kazoo-looking call id (FreeSWITCH uuids and Kazoo's random strings both occur). */
export function newCallId(): string {
  return randomBytes(10).toString('hex');
}

function callState(leg: SimLeg, name: SimCallEventName): { call: string; answer: string } {
  if (name === 'CHANNEL_DESTROY') return { call: 'HANGUP', answer: 'hangup' };
  if (leg.answered) return { call: leg.onHold ? 'HELD' : 'ACTIVE', answer: 'answered' };
  return { call: 'RINGING', answer: 'ringing' };
}

/** The normalized `data` of a call event for `leg`. */
export function eventPayload(leg: SimLeg, account: SimAccount, name: SimCallEventName, now: number, other?: SimLeg): Record<string, unknown> {
  const state = callState(leg, name);
  const ccv: Record<string, unknown> = { account_id: leg.accountId, realm: account.realm };
  if (leg.ownerId) ccv.owner_id = leg.ownerId;
  if (leg.authorizingId) ccv.authorizing_id = leg.authorizingId;
  if (leg.authorizingType) ccv.authorizing_type = leg.authorizingType;
  if (leg.username) ccv.username = leg.username;
  if (leg.otherLeg) ccv.bridge_id = leg.otherLeg;
  const data: Record<string, unknown> = {
    app_name: 'ecallmgr',
    app_version: SIM_KAZOO_VERSION,
    event_category: 'call_event',
    event_name: name,
    msg_id: String(now * 1000),
    call_id: leg.uuid,
    call_direction: leg.direction,
    caller_id_name: leg.callerIdName,
    caller_id_number: leg.callerIdNumber,
    callee_id_name: leg.calleeIdName,
    callee_id_number: leg.calleeIdNumber,
    presence_id: `${leg.username ?? leg.callerIdNumber}@${account.realm}`,
    from: `${leg.callerIdNumber}@${account.realm}`,
    to: `${leg.destination}@${account.realm}`,
    request: `${leg.destination}@${account.realm}`,
    channel_call_state: state.call,
    channel_answer_state: state.answer,
    timestamp: gregorian(now),
    custom_channel_vars: ccv,
    custom_sip_headers: { x_auth_ip: '192.0.2.10' },
  };
  if (Object.keys(leg.cav).length > 0) data.custom_application_vars = { ...leg.cav };
  if (other) {
    data.other_leg_call_id = other.uuid;
    data.other_leg_direction = other.direction;
    data.other_leg_caller_id_name = other.callerIdName;
    data.other_leg_caller_id_number = other.callerIdNumber;
  }
  if (name === 'CHANNEL_DESTROY') {
    const duration = Math.max(0, Math.round((now - leg.createdAt) / 1000));
    const billed = leg.answeredAt === undefined ? 0 : Math.max(0, Math.round((now - leg.answeredAt) / 1000));
    data.hangup_cause = 'NORMAL_CLEARING';
    data.hangup_code = 'sip:200';
    // Strings, as in the blackhole README sample.
    data.duration_seconds = String(duration);
    data.billing_seconds = String(billed);
    data.ringing_seconds = String(duration - billed);
    data.disposition = leg.answered ? 'SUCCESS' : 'NO_ANSWER';
  }
  return data;
}

/** One item of `GET /v2/accounts/{id}/channels`. */
export function restChannel(leg: SimLeg, account: SimAccount, now: number): Record<string, unknown> {
  const item: Record<string, unknown> = {
    uuid: leg.uuid,
    direction: leg.direction,
    answered: leg.answered,
    is_onhold: leg.onHold,
    destination: leg.destination,
    presence_id: `${leg.username ?? leg.callerIdNumber}@${account.realm}`,
    caller_id_name: leg.callerIdName,
    caller_id_number: leg.callerIdNumber,
    callee_id_name: leg.calleeIdName,
    callee_id_number: leg.calleeIdNumber,
    timestamp: gregorian(leg.createdAt),
    elapsed_s: Math.max(0, Math.round((now - leg.createdAt) / 1000)),
  };
  if (leg.otherLeg) item.other_leg = leg.otherLeg;
  if (leg.username) item.username = leg.username;
  if (leg.ownerId) item.owner_id = leg.ownerId;
  if (leg.authorizingId) item.authorizing_id = leg.authorizingId;
  if (leg.authorizingType) item.authorizing_type = leg.authorizingType;
  if (Object.keys(leg.cav).length > 0) item.custom_application_vars = { ...leg.cav };
  return item;
}
