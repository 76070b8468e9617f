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
  constructor(reason: PollFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export function isPollError(err: unknown): err is PollError {
  return err instanceof PollError;
}
