/**
 * Bridge commands -> MiRTA requests (docs/vendors/mirta.md "Request types"), and MiRTA answers
 * -> outcomes. Pure: the source does the I/O.
 */
import { InvalidArgumentError, NotFoundError, UnsupportedError, VendorError } from '../../errors.js';
import type { CommandResult, CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { CommandOutcome, ObservationHint } from '../../sources/source.js';
import type { CommandReply } from './command-reply.js';
import { AUTH_REFUSED_MESSAGE } from './parsers.js';
import { agentKey, channelPeer } from './normalizer.js';
import { stripTenantCode, tenantCodeOf } from './tenant-codes.js';

export const MIRTA_COMMANDS: readonly CommandType[] = [
  'dial',
  'hangup',
  'transfer',
  'attended_transfer',
  'agent.pause',
  'agent.unpause',
  'flow.set',
];

/** A channel that appears this long before the command was sent can still be its effect (rounding, clocks). */
const OBSERVE_SLACK_MS = 5_000;

export interface MirtaCommandPlan {
  /** `reqtype`, for logs and metrics. */
  op: string;
  /** Query parameters (the client adds `format` and `key`). */
  params: Record<string, string>;
  observe?: ObservationHint;
  /** DIAL answers an originate id: the bridge's `callId`. */
  returnsCallId?: boolean;
}

export interface TenantCodes {
  /** The MiRTA code of the command's tenant. */
  code: string;
  /** Every code this source maps (to refuse another tenant's extensions and channels). */
  all: readonly string[];
}

/** `101` or `101-DEMO` -> `{ bare: '101', full: '101-DEMO' }`; another tenant's id is refused. */
export function tenantExtension(value: string, codes: TenantCodes, field: string): { bare: string; full: string } {
  const owner = tenantCodeOf(value, codes.all);
  if (owner !== undefined && owner !== codes.code) throw new InvalidArgumentError(`${field}: not an extension of this tenant`);
  const bare = owner === undefined ? value : stripTenantCode(value, owner);
  return { bare, full: `${bare}-${codes.code}` };
}

/** A channel named after another mapped tenant's peer does not exist for this tenant. */
function ownChannel(channel: string, codes: TenantCodes): string {
  const owner = tenantCodeOf(channelPeer(channel), codes.all);
  if (owner !== undefined && owner !== codes.code) throw new NotFoundError('unknown channel');
  return channel;
}

const str = (entity: Record<string, unknown>, field: string): string | undefined =>
  typeof entity[field] === 'string' ? (entity[field] as string) : undefined;

function startedSince(entity: Record<string, unknown>, issuedAt: Date): boolean {
  const started = Date.parse(str(entity, 'startedAt') ?? '');
  return Number.isNaN(started) || started >= issuedAt.getTime() - OBSERVE_SLACK_MS;
}

/** A tenant's phone leg (`<ext>-<TENANT>`), as opposed to a trunk or Local leg. */
const PHONE_PEER = /^\d+-/;

/**
 * A new channel of `peer`, or a trunk leg whose caller or callee is `number`. Phone legs match by
 * peer only: caller and callee are the call's (docs "Direction and parties"), so every leg of a
 * call names the new party as soon as one leg dials it.
 */
function channelHint(peer: string | undefined, number: string, issuedAt: Date, except?: string): ObservationHint {
  const wantedPeer = peer?.toLowerCase();
  return {
    topic: 'channels',
    matches: (entity, key) => {
      if (key === except || !startedSince(entity, issuedAt)) return false;
      const legPeer = str(entity, 'peer')?.toLowerCase();
      if (wantedPeer !== undefined && legPeer === wantedPeer) return true;
      if (legPeer !== undefined && PHONE_PEER.test(legPeer)) return false;
      return str(entity, 'callerNumber') === number || str(entity, 'calleeNumber') === number;
    },
  };
}

/** What to send for `command`; throws `unsupported` / `invalid_argument` / `not_found` before anything is sent. */
export function planCommand(command: ValidatedCommand, codes: TenantCodes, issuedAt: Date): MirtaCommandPlan {
  const tenant = codes.code;
  switch (command.type) {
    case 'dial': {
      const { from, to, callerId, timeoutSec, record } = command.args;
      const source = tenantExtension(from, codes, 'from');
      const params: Record<string, string> = { reqtype: 'DIAL', tenant, source: source.bare, dest: to };
      if (callerId !== undefined) params.destclid = callerId;
      if (timeoutSec !== undefined) params.dialtimeout = String(timeoutSec);
      if (record !== undefined) params.recording = record ? 'yes' : 'no';
      return { op: 'DIAL', params, observe: channelHint(source.full, to, issuedAt), returnsCallId: true };
    }
    case 'hangup':
      return { op: 'HANGUP', params: { reqtype: 'HANGUP', tenant, channel: ownChannel(command.args.channel, codes) } };
    case 'transfer':
    case 'attended_transfer': {
      const { channel, to } = command.args;
      const op = command.type === 'transfer' ? 'TRANSFER' : 'ATXTRANSFER';
      const params: Record<string, string> = { reqtype: op, tenant, channel: ownChannel(channel, codes), dest: to };
      if (command.type === 'transfer' && command.args.extraChannel !== undefined) {
        params.extrachannel = ownChannel(command.args.extraChannel, codes);
      }
      const target = tenantCodeOf(to, codes.all) === undefined ? `${to}-${tenant}` : to;
      return { op, params, observe: channelHint(target, to, issuedAt, channel) };
    }
    case 'agent.pause':
    case 'agent.unpause': {
      const { queue } = command.args;
      const agent = tenantExtension(command.args.agent, codes, 'agent');
      const pause = command.type === 'agent.pause';
      const params: Record<string, string> = { reqtype: 'AGENT', tenant, action: pause ? 'pause' : 'unpause', queue, extension: agent.full };
      if (command.type === 'agent.pause' && command.args.reason !== undefined) params.pausereason = command.args.reason;
      const wanted = agentKey(queue, agent.full);
      return { op: 'AGENT', params, observe: { topic: 'agents', matches: (entity, key) => key === wanted && entity.paused === pause } };
    }
    case 'flow.set': {
      const { number, state, value } = command.args;
      const params: Record<string, string> = { reqtype: 'SETFLOW', tenant, number };
      if (state !== undefined) params.state = state;
      if (value !== undefined) params.value = value;
      return {
        op: 'SETFLOW',
        params,
        observe: {
          topic: 'flows',
          matches: (entity, key) =>
            key === number && (state === undefined || entity.state === state) && (value === undefined || entity.value === value),
        },
      };
    }
    default:
      throw new UnsupportedError(`MiRTA cannot do ${command.type}`);
  }
}

/**
 * The outcome of a MiRTA answer: `Success|…` is a result, anything else a `vendor_error` with
 * the PBX's own words (passed through `redact`, so an echoed key never leaves).
 */
export function commandOutcome(plan: MirtaCommandPlan, reply: CommandReply, redact: (text: string) => string): CommandOutcome {
  switch (reply.kind) {
    case 'success': {
      const result: CommandResult = {};
      if (plan.returnsCallId && reply.id !== undefined) result.callId = redact(reply.id);
      if (reply.message !== '') result.message = redact(reply.message);
      const outcome: CommandOutcome = { result };
      if (plan.observe) outcome.observe = plan.observe;
      return outcome;
    }
    case 'auth':
      throw new VendorError(AUTH_REFUSED_MESSAGE);
    case 'empty':
      // 0 bytes is MiRTA's answer to a missing permission or a lookup miss as often as anything.
      throw new VendorError(`the PBX gave an empty answer to ${plan.op}`);
    case 'error':
    case 'other':
      throw new VendorError(redact(reply.message));
  }
}
