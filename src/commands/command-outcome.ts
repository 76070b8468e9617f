/**
 * The rules that turn a failure into what the client, the idempotency store and the circuit
 * breaker each need. Pure functions, so the dispatcher only wires them.
 */
import type { BridgeError } from '../errors.js';
import { isBridgeError } from '../errors.js';
import type { AttemptVerdict } from './circuit-breaker.js';
import type { CommandAck } from './command-service.js';

export type FailedAck = Extract<CommandAck, { ok: false }>;

/** Vendor refusals are quoted to the client; a chatty vendor must not bloat the ack. */
export const MAX_ERROR_MESSAGE = 500;
/** Failures that mean the vendor never saw the command (protocol §4: "the command was NOT sent"). */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['unavailable', 'rate_limited']);

/** The ack for a coded error, with `retryAfterSec` when the error knows it. */
export function failedAck(error: BridgeError): FailedAck {
  const wire = error.toWire();
  if (wire.message.length > MAX_ERROR_MESSAGE) wire.message = `${wire.message.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
  const retryAfterSec = 'retryAfterSec' in error && typeof error.retryAfterSec === 'number' ? error.retryAfterSec : undefined;
  return retryAfterSec === undefined ? { ok: false, error: wire } : { ok: false, error: wire, retryAfterSec };
}

/**
 * Whether an outcome is remembered under its id. Anything the vendor may have acted on is
 * (a success, a refusal, a timeout: retrying those could act twice); an outcome that certainly
 * never reached the vendor is not, so a retry with the same id is free to go.
 */
export function shouldRemember(ack: CommandAck, sent: boolean): boolean {
  return ack.ok || (sent && !NOT_SENT_CODES.has(ack.error.code));
}

/** What a failed attempt says about the vendor's health (see CircuitBreaker). */
export function verdictOf(err: unknown, sent: boolean): AttemptVerdict {
  if (!sent || !isBridgeError(err)) return 'neutral';
  switch (err.code) {
    case 'unavailable':
    case 'timeout':
      return 'unwell';
    case 'rate_limited':
    case 'internal':
      return 'neutral';
    default:
      // The vendor answered, if only to refuse: it is reachable.
      return 'healthy';
  }
}
