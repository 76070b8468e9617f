/**
 * A tiny real Source whose `execute` each test scripts: resolve, reject with a BridgeError,
 * hang until aborted, or wait for a gate the test opens. It records every call (command,
 * signal, start time) so tests can count vendor requests and check aborts.
 */
import type { CommandResult, CommandType, ValidatedCommand } from '../../src/protocol/commands.js';
import type { SourceStatus, Topic } from '../../src/protocol/entities.js';
import type { CommandContext, CommandOutcome, ObservationHint, Source } from '../../src/sources/source.js';

export type Script = (command: ValidatedCommand, context: CommandContext) => Promise<CommandOutcome>;

export interface ScriptedCall {
  command: ValidatedCommand;
  signal: AbortSignal;
  /** Date.now() when execute was entered. */
  startedAt: number;
}

export interface ScriptedSourceOptions {
  id: string;
  tenants: readonly string[];
  commands?: readonly CommandType[];
  topics?: readonly Topic[];
  vendor?: string;
  script?: Script;
}

const ALL_CALL_COMMANDS: readonly CommandType[] = ['dial', 'hangup', 'transfer', 'attended_transfer', 'agent.pause', 'agent.unpause', 'flow.set'];

export class ScriptedSource implements Source {
  readonly id: string;
  readonly vendor: string;
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[];
  readonly commands: readonly CommandType[];
  readonly calls: ScriptedCall[] = [];
  status: SourceStatus | undefined = 'up';
  script: Script;

  constructor(options: ScriptedSourceOptions) {
    this.id = options.id;
    this.vendor = options.vendor ?? 'scripted';
    this.tenants = options.tenants;
    this.topics = options.topics ?? ['channels', 'agents'];
    this.commands = options.commands ?? ALL_CALL_COMMANDS;
    this.script = options.script ?? resolves({ ok: true });
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome> {
    this.calls.push({ command, signal: context.signal, startedAt: Date.now() });
    return this.script(command, context);
  }
}

/** Answers at once with `result` (and an observation hint, if given). */
export function resolves(result: CommandResult, observe?: ObservationHint): Script {
  return async () => (observe ? { result, observe } : { result });
}

/** Fails with `error` (a VendorError, UnavailableError, ...). */
export function rejects(error: Error): Script {
  return async () => {
    throw error;
  };
}

/** Never answers; rejects with the signal's reason once the caller aborts. */
export function hangs(): Script {
  return (_command, { signal }) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
}

/** Answers with `result` once `gate.open()` is called: for commands held in flight. */
export function gated(result: CommandResult): { script: Script; open: () => void } {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    script: async () => {
      await opened;
      return { result };
    },
    open: () => release(),
  };
}
