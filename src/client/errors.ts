/** The client's error: the protocol's error code (§4), whether a retry may succeed, and when. */
import type { ErrorCode, WireError } from '../errors.js';

/**
 * Rejections of `command()` and `error` events. Branch on `code`, never on `message`.
 *
 * - `unavailable` from the client itself: the command was never sent (no connection in time).
 * - `timeout` from the client itself: it was sent, and no answer came in time; it may or may not
 *   have been carried out.
 *
 * @example
 * try { await cb.command('dial', { from: '100', to: '33170200258' }); }
 * catch (err) { if (err instanceof CallbridgeError && err.retryable) setTimeout(retry, (err.retryAfterSec ?? 1) * 1000); }
 */
export class CallbridgeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Seconds after which a retry may succeed, when the bridge said. */
  readonly retryAfterSec: number | undefined;

  constructor(error: WireError, retryAfterSec?: number) {
    super(error.message);
    this.name = 'CallbridgeError';
    this.code = error.code;
    this.retryable = error.retryable;
    this.retryAfterSec = retryAfterSec;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The error of a refusal ack (`{ ok: false, error, retryAfterSec? }`), or an `internal` one for a malformed ack. */
export function errorFromAck(ack: unknown): CallbridgeError {
  if (isRecord(ack) && isRecord(ack.error) && typeof ack.error.code === 'string' && typeof ack.error.message === 'string') {
    const retryAfter = typeof ack.retryAfterSec === 'number' ? ack.retryAfterSec : undefined;
    return new CallbridgeError(
      { code: ack.error.code as ErrorCode, message: ack.error.message, retryable: ack.error.retryable === true },
      retryAfter,
    );
  }
  return new CallbridgeError({ code: 'internal', message: 'the bridge sent a malformed acknowledgement', retryable: false });
}
