/**
 * What the transports (socket.io `command`, REST `POST .../commands`) call. The implementation
 * validates, authorizes, de-duplicates, rate-limits and dispatches (see command-dispatcher.ts).
 */
import type { Principal } from '../auth/principal.js';
import type { WireError } from '../errors.js';
import type { CommandResult } from '../protocol/commands.js';
import type { CommandUpdateEvent } from '../protocol/events.js';

export type CommandAck =
  | { ok: true; result: CommandResult }
  | { ok: false; error: WireError; /** seconds, for Retry-After */ retryAfterSec?: number };

export interface CommandRequestOptions {
  /** REST's `Idempotency-Key` header; when given it is the id, and a body `id` must match. */
  idempotencyKey?: string;
  /** Lifecycle updates (`command.updated`) for the caller that sent it. */
  notify?: (update: CommandUpdateEvent) => void;
}

export interface CommandService {
  /** Never throws: every outcome is an ack, within the source's command timeout. */
  execute(principal: Principal, body: unknown, options?: CommandRequestOptions): Promise<CommandAck>;
}
