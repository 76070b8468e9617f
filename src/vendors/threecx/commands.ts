/**
 * Protocol commands -> Call Control actions (protocol §4, issue 6): `dial` -> `makecall` on the
 * `from` DN (through its device, as 3CX recommends), `hangup` -> participant `drop`, `transfer`
 * -> participant `transferto`. The command layer has already budgeted and bounded the command;
 * this only maps it, sends it once and maps the answer. An action answered with a
 * `finalstatus` other than Success is a refusal (`vendor_error` with 3CX's `reasontext`).
 */
import { NotFoundError, UnsupportedError, VendorError } from '../../errors.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { CommandOutcome } from '../../sources/source.js';
import type { CallControlClient } from './client.js';
import { channelKey, splitChannelKey } from './entity-path.js';
import { CallControlResultSchema, type CallControlResult, type Device } from './parsers.js';

export const THREECX_COMMANDS: readonly CommandType[] = ['dial', 'hangup', 'transfer'];

export interface ThreeCxCommandsOptions {
  client: CallControlClient;
  dialVia: 'device' | 'dn';
  timeoutMs: number;
  /** The channel key for a key or a bare participant id (from the tracker). */
  channelKey: (channel: string) => string | undefined;
  /** The DN's registered devices as last seen (from the tracker). */
  devicesOf: (dn: string) => Device[];
}

type Args<T extends CommandType> = Extract<ValidatedCommand, { type: T }>['args'];

const segment = (value: string): string => encodeURIComponent(value);

export class ThreeCxCommands {
  readonly #options: ThreeCxCommandsOptions;

  constructor(options: ThreeCxCommandsOptions) {
    this.#options = options;
  }

  execute(command: ValidatedCommand, signal: AbortSignal): Promise<CommandOutcome> {
    switch (command.type) {
      case 'dial':
        return this.#dial(command.args, signal);
      case 'hangup':
        return this.#participantAction(command.args.channel, 'drop', undefined, signal);
      case 'transfer':
        return this.#transfer(command.args, signal);
      default:
        return Promise.reject(new UnsupportedError(`3CX sources cannot do ${command.type}`));
    }
  }

  async #dial(args: Args<'dial'>, signal: AbortSignal): Promise<CommandOutcome> {
    if (args.record === true) throw new UnsupportedError('3CX makecall cannot record; leave record out');
    if (args.callerId !== undefined) throw new UnsupportedError('3CX makecall cannot set the caller id; leave callerId out');
    const dn = args.from;
    const device = this.#options.dialVia === 'device' ? this.#options.devicesOf(dn)[0] : undefined;
    const path = device
      ? `/callcontrol/${segment(dn)}/devices/${segment(device.device_id)}/makecall`
      : `/callcontrol/${segment(dn)}/makecall`;
    const body: Record<string, unknown> = { destination: args.to };
    // [I] third-party clients send `timeout` with actions; 3CX ignores members it does not know.
    if (args.timeoutSec !== undefined) body.timeout = args.timeoutSec;
    const answer = await this.#options.client.post(path, body, CallControlResultSchema, {
      timeoutMs: this.#options.timeoutMs,
      signal,
      notFound: device ? `3CX has no device ${device.device_id} on DN ${dn}` : `3CX has no DN ${dn}`,
    });
    this.#accept(answer, 'makecall');
    const participant = answer?.result;
    const result: CommandOutcome['result'] = { status: 'makecall started', dn };
    if (device) result.device = device.device_id;
    const key = participant ? channelKey(dn, participant.id) : undefined;
    if (key !== undefined) result.callId = key;
    const callid = participant?.callid !== undefined ? String(participant.callid) : undefined;
    return {
      result,
      observe: {
        topic: 'channels',
        matches: (entity, entityKey) => entityKey === key || (callid !== undefined && entity.callId === callid),
      },
    };
  }

  async #transfer(args: Args<'transfer'>, signal: AbortSignal): Promise<CommandOutcome> {
    if (args.extraChannel !== undefined) {
      throw new UnsupportedError('3CX transfers one participant (its party follows); leave extraChannel out');
    }
    return this.#participantAction(args.channel, 'transferto', args.to, signal);
  }

  async #participantAction(channel: string, action: 'drop' | 'transferto', destination: string | undefined, signal: AbortSignal): Promise<CommandOutcome> {
    // A bare participant id is accepted when the bridge has seen it; the DN is needed for the path.
    const key = splitChannelKey(channel) ? channel : this.#options.channelKey(channel);
    const split = key === undefined ? undefined : splitChannelKey(key);
    if (!split) throw new NotFoundError(`3CX has no participant ${channel}; use the channel key (dn/participant id)`);
    const answer = await this.#options.client.post(
      `/callcontrol/${segment(split.dn)}/participants/${segment(split.id)}/${action}`,
      destination === undefined ? {} : { destination },
      CallControlResultSchema,
      { timeoutMs: this.#options.timeoutMs, signal, notFound: `3CX has no participant ${split.dn}/${split.id}` },
    );
    this.#accept(answer, action);
    const result: CommandOutcome['result'] = { channel: `${split.dn}/${split.id}`, status: action === 'drop' ? 'dropped' : 'transfer initiated' };
    if (destination !== undefined) result.to = destination;
    return { result };
  }

  /** A 2xx whose `finalstatus` is not Success: 3CX looked at the request and refused it. */
  #accept(answer: CallControlResult | undefined, action: string): void {
    if (answer === undefined || answer.finalstatus === 'Success') return;
    const reason = answer.reasontext ?? (answer.reason !== undefined ? String(answer.reason) : undefined);
    const text = this.#options.client.redact(reason ?? 'no reason given').slice(0, 300);
    throw new VendorError(`3CX: ${action} ${answer.finalstatus.toLowerCase()}: ${text}`);
  }
}
