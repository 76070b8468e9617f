/**
 * The one interface every vendor adapter implements. The rest of the bridge (bus, commands,
 * server) never asks which vendor it has.
 */
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Demand } from '../demand/demand.js';
import type { Topic, SourceStatus } from '../protocol/entities.js';
import type { CommandResult, CommandType, ValidatedCommand } from '../protocol/commands.js';
import type { VendorBudget } from './vendor-budget.js';

export interface SourceDescriptor {
  readonly id: string;
  readonly vendor: string;
  /** Bridge tenants this source serves. */
  readonly tenants: readonly string[];
  /** Topics it fills. */
  readonly topics: readonly Topic[];
  /** Commands its vendor can carry out (others answer `unsupported`). */
  readonly commands: readonly CommandType[];
}

export interface CommandContext {
  /** Aborted when the command's timeout passes or the bridge shuts down. */
  signal: AbortSignal;
}

/**
 * What a command's effect will look like once the pollers see it, so the command layer can
 * report `observed` with the entity's key.
 */
export interface ObservationHint {
  topic: Topic;
  /** True when this entity is the command's effect. */
  matches: (entity: Record<string, unknown>, key: string) => boolean;
}

export interface CommandOutcome {
  result: CommandResult;
  observe?: ObservationHint;
}

export interface Source extends SourceDescriptor {
  /** Starts polling / listening. Resolves once started, not once the first poll is done. */
  start(): Promise<void>;
  /** Stops everything and waits for requests under way to settle. */
  stop(): Promise<void>;
  /** Current health (undefined before the first poll result). */
  readonly status: SourceStatus | undefined;
  /**
   * Carries a validated command out at the vendor. Already authorized and rate-limited by the
   * caller: the source only maps it and calls the vendor, throwing a BridgeError on failure
   * (`vendor_error`, `unavailable` before sending, `timeout` after sending).
   */
  execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome>;
  /**
   * Optional read-only vendor details about one of its tenants, for operators (PBXware: the
   * server id check and the package limits), served at GET /v1/tenants/{tenant}/sources/{id}.
   * Never holds a secret; undefined when there is nothing to show.
   */
  info?(tenant: string): Readonly<Record<string, unknown>> | undefined;
}

export interface SourceContext {
  bus: Bus;
  logger: Logger;
  budget: VendorBudget;
  now?: () => Date;
  /**
   * Who watches which tenant + topic (demand-driven polling): a polled topic nobody watches is
   * polled every `idlePollMs` instead of its configured interval. Absent or 0: always the
   * configured interval.
   */
  demand?: Demand | undefined;
  idlePollMs?: number | undefined;
}
