/**
 * Coded errors. Every error that can reach a client is a BridgeError whose `code` is one of the
 * protocol's error codes (protocol §4); callers branch on `code`, never on message text.
 */
export const ERROR_CODES = [
  'invalid_argument',
  'unauthorized',
  'forbidden',
  'not_found',
  'unsupported',
  'duplicate',
  'rate_limited',
  'unavailable',
  'vendor_error',
  'timeout',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for each code, used by the REST twin of every socket call. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  invalid_argument: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unsupported: 400,
  duplicate: 409,
  rate_limited: 429,
  unavailable: 503,
  vendor_error: 502,
  timeout: 504,
  internal: 500,
});

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['rate_limited', 'unavailable']);

export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export abstract class BridgeError extends Error {
  abstract readonly code: ErrorCode;
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
  toWire(): WireError {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

export class InvalidArgumentError extends BridgeError {
  readonly code = 'invalid_argument' as const;
}
export class UnauthorizedError extends BridgeError {
  readonly code = 'unauthorized' as const;
  constructor(message = 'unauthorized') {
    super(message);
  }
}
export class ForbiddenError extends BridgeError {
  readonly code = 'forbidden' as const;
}
export class NotFoundError extends BridgeError {
  readonly code = 'not_found' as const;
}
export class UnsupportedError extends BridgeError {
  readonly code = 'unsupported' as const;
}
export class DuplicateError extends BridgeError {
  readonly code = 'duplicate' as const;
}
export class RateLimitedError extends BridgeError {
  readonly code = 'rate_limited' as const;
  /** Seconds after which a retry may succeed, when known (REST sends it as Retry-After). */
  readonly retryAfterSec: number | undefined;
  constructor(message: string, retryAfterSec?: number) {
    super(message);
    this.retryAfterSec = retryAfterSec;
  }
}
export class UnavailableError extends BridgeError {
  readonly code = 'unavailable' as const;
}
export class VendorError extends BridgeError {
  readonly code = 'vendor_error' as const;
}
export class TimeoutError extends BridgeError {
  readonly code = 'timeout' as const;
}
export class InternalError extends BridgeError {
  readonly code = 'internal' as const;
  readonly correlationId: string;
  constructor(correlationId: string) {
    super(`internal error, correlation id ${correlationId}`);
    this.correlationId = correlationId;
  }
}

/** Configuration problems: named by path, raised before anything starts. Not a wire error. */
export class ConfigError extends Error {
  readonly code = 'config_error' as const;
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.issues = issues;
  }
}

export function isBridgeError(err: unknown): err is BridgeError {
  return err instanceof BridgeError;
}
