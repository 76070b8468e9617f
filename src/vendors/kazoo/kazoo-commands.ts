/**
 * Protocol commands -> crossbar requests (protocol §4, Kazoo column):
 * dial -> quickcall, hangup / transfer -> channel actions, agent.pause / agent.unpause -> ACDC
 * agent status. The command layer has already budgeted and bounded the command; this only
 * maps it, sends it once and maps the answer.
 */
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { CommandOutcome } from '../../sources/source.js';
import type { CrossbarClient } from './crossbar-client.js';
import { COMMAND_ID_CAV } from './normalizer.js';
import { QuickcallDataSchema } from './wire.js';

export const KAZOO_COMMANDS: readonly CommandType[] = ['dial', 'hangup', 'transfer', 'agent.pause', 'agent.unpause'];

/** Quickcall refuses a ring timeout under 3 s. */
const MIN_QUICKCALL_TIMEOUT_SEC = 3;
const KAZOO_ID = /^[0-9a-f]{32}$/;

export interface KazooCommandsOptions {
  crossbar: CrossbarClient;
  quickcallVia: 'devices' | 'users';
  pauseTimeoutSec: number;
  timeoutMs: number;
  /** The bridge command id a leg carries in its CAVs (from the channel tracker). */
  commandIdFor: (callId: string) => string | undefined;
  /** Called after an agent status change was accepted, to poll agents sooner. */
  onAgentChange?: () => void;
}

type Args<T extends CommandType> = Extract<ValidatedCommand, { type: T }>['args'];

const segment = (value: string): string => encodeURIComponent(value);

export class KazooCommands {
  readonly #options: KazooCommandsOptions;

  constructor(options: KazooCommandsOptions) {
    this.#options = options;
  }

  execute(command: ValidatedCommand, signal: AbortSignal): Promise<CommandOutcome> {
    switch (command.type) {
      case 'dial':
        return this.#dial(command.id, command.args, signal);
      case 'hangup':
        return this.#hangup(command.args, signal);
      case 'transfer':
        return this.#transfer(command.args, signal);
      case 'agent.pause':
        return this.#agentStatus(command.args, true, signal);
      case 'agent.unpause':
        return this.#agentStatus(command.args, false, signal);
      default:
        return Promise.reject(new UnsupportedError(`Kazoo sources cannot do ${command.type}`));
    }
  }

  async #dial(id: string, args: Args<'dial'>, signal: AbortSignal): Promise<CommandOutcome> {
    const via = this.#options.quickcallVia;
    if (!KAZOO_ID.test(args.from)) {
      throw new InvalidArgumentError(`args.from: a Kazoo ${via === 'devices' ? 'device' : 'user'} id (32 hex characters)`);
    }
    if (args.record === true) throw new UnsupportedError('Kazoo quickcall cannot record; leave record out');
    const data: Record<string, unknown> = { custom_application_vars: { [COMMAND_ID_CAV]: id } };
    if (args.timeoutSec !== undefined) data.timeout = Math.max(MIN_QUICKCALL_TIMEOUT_SEC, args.timeoutSec);
    if (args.callerId !== undefined) data[/^\+?\d+$/.test(args.callerId) ? 'cid-number' : 'cid-name'] = args.callerId;
    // POST blocks until the originate started a channel, so a dead device is an error here
    // rather than silence (a GET answers 202 whatever happens).
    const answer = await this.#options.crossbar.request({
      method: 'POST',
      path: `/${via}/${segment(args.from)}/quickcall/${segment(args.to)}`,
      body: { data },
      kind: 'command',
      schema: QuickcallDataSchema,
      timeoutMs: this.#options.timeoutMs,
      signal,
      notFound: `Kazoo has no ${via === 'devices' ? 'device' : 'user'} ${args.from}`,
    });
    const callId = answer?.endpoints?.find((endpoint) => endpoint.outbound_call_id)?.outbound_call_id;
    const result: CommandOutcome['result'] = { status: 'quickcall started' };
    if (callId !== undefined) result.callId = callId;
    return {
      result,
      observe: {
        topic: 'channels',
        matches: (_entity, key) => key === callId || this.#options.commandIdFor(key) === id,
      },
    };
  }

  async #hangup(args: Args<'hangup'>, signal: AbortSignal): Promise<CommandOutcome> {
    await this.#channelAction(args.channel, { action: 'hangup' }, signal);
    return { result: { channel: args.channel, status: 'hangup initiated' } };
  }

  async #transfer(args: Args<'transfer'>, signal: AbortSignal): Promise<CommandOutcome> {
    if (args.extraChannel !== undefined) {
      throw new UnsupportedError('Kazoo transfers one channel (its bridged leg follows); leave extraChannel out');
    }
    await this.#channelAction(args.channel, { action: 'transfer', target: args.to, 'transfer-type': 'blind' }, signal);
    return { result: { channel: args.channel, to: args.to, status: 'transfer initiated' } };
  }

  #channelAction(channel: string, data: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    return this.#options.crossbar.request({
      method: 'POST',
      path: `/channels/${segment(channel)}`,
      body: { data },
      kind: 'command',
      timeoutMs: this.#options.timeoutMs,
      signal,
      notFound: `Kazoo has no live channel ${channel}`,
    });
  }

  async #agentStatus(args: Args<'agent.unpause'>, pause: boolean, signal: AbortSignal): Promise<CommandOutcome> {
    // ACDC requires an integer `timeout` with pause; 0 means "until resumed".
    const data = pause ? { status: 'pause', timeout: this.#options.pauseTimeoutSec } : { status: 'resume' };
    await this.#options.crossbar.request({
      method: 'POST',
      path: `/agents/${segment(args.agent)}/status`,
      body: { data },
      kind: 'command',
      timeoutMs: this.#options.timeoutMs,
      signal,
      notFound: `Kazoo has no agent ${args.agent}`,
    });
    this.#options.onAgentChange?.();
    return {
      result: { agent: args.agent, status: 'status update sent' },
      observe: {
        topic: 'agents',
        matches: (entity) => entity.agent === args.agent && entity.paused === pause,
      },
    };
  }
}
