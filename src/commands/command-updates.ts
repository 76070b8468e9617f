/**
 * The `command.updated` events of one command, to the caller that sent it (protocol §3): no
 * `seq`, key = the command id. Each state is sent at most once and in lifecycle order, and a
 * throwing transport never disturbs the command.
 */
import type { Logger } from 'pino';
import type { WireError } from '../errors.js';
import type { CommandResult, ValidatedCommand } from '../protocol/commands.js';
import type { CommandState, CommandUpdateEvent } from '../protocol/events.js';
import type { Observation } from './observation-tracker.js';

export type Notify = (update: CommandUpdateEvent) => void;

export class CommandUpdates {
  readonly #command: ValidatedCommand;
  readonly #source: string;
  readonly #notify: Notify | undefined;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #sent = new Set<CommandState>();

  constructor(options: { command: ValidatedCommand; source: string; notify?: Notify; now: () => number; logger: Logger }) {
    this.#command = options.command;
    this.#source = options.source;
    this.#notify = options.notify;
    this.#now = options.now;
    this.#logger = options.logger;
  }

  /** True once `queued` went out: the caller then expects a `succeeded` / `failed`. */
  get accepted(): boolean {
    return this.#sent.has('queued');
  }

  queued(): void {
    this.#emit('queued', {});
  }
  sent(): void {
    this.#emit('sent', {});
  }
  succeeded(result: CommandResult): void {
    this.#emit('succeeded', { result });
  }
  failed(error: WireError): void {
    this.#emit('failed', { error });
  }
  observed(observation: Observation): void {
    if (!this.#sent.has('succeeded')) return;
    this.#emit('observed', { observed: { topic: observation.topic, key: observation.key } });
  }

  #emit(state: CommandState, extra: Partial<CommandUpdateEvent['data']>): void {
    if (this.#sent.has(state)) return;
    this.#sent.add(state);
    if (!this.#notify) return;
    const update: CommandUpdateEvent = {
      tenant: this.#command.tenant,
      topic: 'commands',
      type: 'command.updated',
      key: this.#command.id,
      source: this.#source,
      ts: new Date(this.#now()).toISOString(),
      data: { id: this.#command.id, type: this.#command.type, state, ...extra },
    };
    try {
      this.#notify(update);
    } catch (err) {
      this.#logger.error({ err, tenant: this.#command.tenant, state }, 'command.updated listener failed');
    }
  }
}
