/**
 * One info line per command request: who, which tenant / source / type, the outcome and the
 * latency. Phone numbers are masked to their last 4 digits; free text a caller chose (a
 * callback's name and custom fields) is left out; no credential is ever part of a command.
 */
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.js';
import type { ValidatedCommand } from '../protocol/commands.js';
import { maskPhone, maskPhonesInText } from '../util/mask.js';

export interface AuditRecord {
  /** The principal's label (token name or `jwt:<sub>`), never the token. */
  principal: string;
  /** Set once the body validated; an invalid body logs none of its content. */
  command?: ValidatedCommand;
  source?: string;
  outcome: 'ok' | ErrorCode;
  latencyMs: number;
  /** Answered from the idempotency store (or a concurrent twin): no vendor request. */
  replayed?: boolean;
  /** The error message, for failures (phone numbers in it masked). */
  message?: string;
  correlationId?: string;
}

/** Args that carry a phone number, masked in logs. */
const PHONE_ARGS: ReadonlySet<string> = new Set(['from', 'to', 'callerId']);
/** Args that are personal free text, left out of logs. */
const DROPPED_ARGS: ReadonlySet<string> = new Set(['name', 'fields']);

/** The command's args as logged. */
export function auditArgs(command: ValidatedCommand): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(command.args)) {
    if (value === undefined || DROPPED_ARGS.has(name)) continue;
    // `number` is a phone number for callbacks but a flow number for flow.set.
    const phone = PHONE_ARGS.has(name) || (name === 'number' && command.type.startsWith('callback.'));
    out[name] = phone && typeof value === 'string' ? maskPhone(value) : value;
  }
  return out;
}

export function writeAudit(logger: Logger, record: AuditRecord): void {
  const { command } = record;
  logger.info(
    {
      audit: 'command',
      principal: record.principal,
      commandId: command?.id,
      tenant: command?.tenant,
      source: record.source,
      type: command?.type,
      args: command ? auditArgs(command) : undefined,
      outcome: record.outcome,
      latencyMs: Math.round(record.latencyMs),
      replayed: record.replayed || undefined,
      message: record.message === undefined ? undefined : maskPhonesInText(record.message),
      correlationId: record.correlationId,
    },
    'command',
  );
}
