/** Why a poll failed. A failed poll changes no entity; it only moves the source's health. */
export const POLL_FAILURE_REASONS = [
  'network',
  'timeout',
  'http',
  'auth',
  'parse',
  'vendor',
  'suspicious_empty',
  'rate_limited',
] as const;
export type PollFailureReason = (typeof POLL_FAILURE_REASONS)[number];

/**
 * A failed poll. `message` must be safe to publish (it becomes the source's `lastError`): no
 * URL, no key, no token.
 */
export class PollError extends Error {
  readonly reason: PollFailureReason;
  /** The vendor's `Retry-After` (429 / 503): the poll loop waits at least this long. */
  readonly retryAfterMs: number | undefined;
  constructor(reason: PollFailureReason, message: string, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(message, options);
    this.reason = reason;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isPollError(err: unknown): err is PollError {
  return err instanceof PollError;
}
