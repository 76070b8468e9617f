/**
 * The one place where a failed vendor HTTP exchange (undici error, aborted signal, HTTP status)
 * becomes what the rest of the bridge speaks: a PollError reason for polls, a BridgeError for
 * commands. Every vendor client uses it, so "what does ECONNRESET mean for a dial" is decided
 * once.
 *
 * The question that matters for telephony is not "what broke" but "could the vendor have
 * received the request and acted on it?". A dial that reached the PBX may ring a phone even if
 * the answer never came back, so anything that may have been carried out is `timeout` (outcome
 * unknown, NOT retryable: a blind retry rings the customer twice), and only failures that
 * certainly happened before the request left (or that the vendor declared as "not processed")
 * are `unavailable` (retryable).
 *
 * Messages are built from fixed templates and error codes only, never from an error's own
 * message: those can carry a host, a port or (for some clients) the whole URL with its key.
 */
import { PollError, isPollError, type PollFailureReason } from '../pollers/poll-error.js';
import { BridgeError, TimeoutError, UnavailableError, VendorError } from '../errors.js';

/** A vendor answered with a non-2xx status. Thrown by vendor clients, mapped below. */
export class HttpStatusError extends Error {
  readonly code = 'VENDOR_HTTP_STATUS' as const;
  readonly status: number;
  /** From `Retry-After`, when the vendor sent one. */
  readonly retryAfterSec: number | undefined;
  constructor(status: number, retryAfterSec?: number) {
    super(`HTTP ${status}`);
    this.status = status;
    this.retryAfterSec = retryAfterSec;
  }
}

/** The answer was bigger than the client accepts (a hostile or broken vendor). */
export class ResponseTooLargeError extends Error {
  readonly code = 'VENDOR_RESPONSE_TOO_LARGE' as const;
  constructor(limitBytes: number) {
    super(`answer larger than ${limitBytes} bytes`);
  }
}

/** The request was cancelled before it was handed to the network: certainly not sent. */
export class RequestNotSentError extends Error {
  readonly code = 'VENDOR_REQUEST_NOT_SENT' as const;
  constructor() {
    super('request cancelled before it was sent');
  }
}

/**
 * `unavailable` with the vendor's `Retry-After` (429 / 503), for the command layer's
 * Retry-After header. Still code `unavailable`: callers branch on `code`, not on the class.
 */
export class VendorUnavailableError extends UnavailableError {
  readonly retryAfterSec: number | undefined;
  constructor(message: string, retryAfterSec?: number) {
    super(message);
    this.retryAfterSec = retryAfterSec;
  }
}

export type FailureKind =
  /** Nothing reached the vendor: refused, unresolvable, connect timeout, TLS, cancelled early. */
  | 'not_sent'
  /** Sent, no (complete) answer: headers/body timeout, reset, aborted by our timeout. */
  | 'no_answer'
  /** The vendor answered with a status we do not accept. */
  | 'http_status'
  /** The vendor answered but the answer could not be read (too large, malformed HTTP). */
  | 'unreadable';

export interface HttpFailure {
  kind: FailureKind;
  /** Safe to publish: no URL, no host, no key. */
  message: string;
  status?: number;
  retryAfterSec?: number;
  /** A deadline passed (ours or undici's), as opposed to a broken connection. */
  timedOut?: boolean;
}

/** Failures of the connection itself: the request bytes never left this process. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'VENDOR_REQUEST_NOT_SENT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Sent (or possibly sent) and then silence or a broken connection. ECONNRESET / UND_ERR_SOCKET
 * can also hit a keep-alive socket before our bytes went out, but we cannot tell which, so they
 * count as "maybe carried out". ETIMEDOUT likewise (TCP keep-alive or connect).
 */
const NO_ANSWER_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_ABORTED',
  'UND_ERR_ABORT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
]);

const UNREADABLE_CODES: ReadonlySet<string> = new Set([
  'VENDOR_RESPONSE_TOO_LARGE',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_HEADERS_OVERFLOW',
]);

/** Statuses by which a server says it did not process the request: safe to retry. */
const NOT_PROCESSED_STATUS: ReadonlySet<number> = new Set([429, 503]);

/** The first error code found on the error, its `cause` chain, or an AggregateError's members. */
export function errorCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && own !== 'UND_ERR') return own;
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const code = errorCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return errorCode((err as { cause?: unknown }).cause, depth + 1);
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Math.min(Number(text.trim()), 86_400);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.min(Math.ceil((at - now) / 1000), 86_400));
}

export interface ClassifyOptions {
  /** The vendor's display name for messages (`MiRTA`). */
  vendor: string;
  /** The request's signal: when it is aborted, whatever undici threw is an abort. */
  signal?: AbortSignal;
}

/** What a failed exchange means; never throws. */
export function classifyHttpFailure(err: unknown, options: ClassifyOptions): HttpFailure {
  const { vendor } = options;
  if (err instanceof HttpStatusError) {
    const failure: HttpFailure = { kind: 'http_status', message: `${vendor} answered HTTP ${err.status}`, status: err.status };
    if (err.retryAfterSec !== undefined) failure.retryAfterSec = err.retryAfterSec;
    return failure;
  }
  const code = errorCode(err);
  if (code === 'VENDOR_REQUEST_NOT_SENT') return { kind: 'not_sent', message: `request to ${vendor} cancelled before it was sent` };
  // An aborted signal wins over the error undici reports for it (undici rejects with the
  // signal's reason, which may be any value).
  if (options.signal?.aborted) return { kind: 'no_answer', message: `no answer from ${vendor} in time`, timedOut: true };
  if (code !== undefined && NOT_SENT_CODES.has(code)) return { kind: 'not_sent', message: `${vendor} unreachable (${code})` };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind: 'no_answer', message: `no answer from ${vendor} in time (${code})`, timedOut: true };
  }
  if (code !== undefined && NO_ANSWER_CODES.has(code)) return { kind: 'no_answer', message: `connection to ${vendor} lost (${code})` };
  if (code !== undefined && (UNREADABLE_CODES.has(code) || code.startsWith('HPE_'))) {
    return { kind: 'unreadable', message: `unreadable answer from ${vendor} (${code})` };
  }
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return { kind: 'no_answer', message: `no answer from ${vendor} in time`, timedOut: true };
  }
  // Unknown: assume the worst for commands (maybe carried out), a network failure for polls.
  return { kind: 'no_answer', message: `request to ${vendor} failed${code ? ` (${code})` : ''}` };
}

function pollReasonForStatus(status: number): PollFailureReason {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  return 'http';
}

/** A poll's failure. A PollError passes through unchanged. */
export function toPollError(err: unknown, options: ClassifyOptions): PollError {
  if (isPollError(err)) return err;
  const failure = classifyHttpFailure(err, options);
  let reason: PollFailureReason;
  switch (failure.kind) {
    case 'http_status':
      reason = pollReasonForStatus(failure.status ?? 0);
      break;
    case 'no_answer':
      reason = failure.timedOut ? 'timeout' : 'network';
      break;
    case 'not_sent':
      reason = 'network';
      break;
    case 'unreadable':
      reason = 'parse';
      break;
  }
  return new PollError(reason, failure.message, {
    cause: err,
    retryAfterMs: failure.retryAfterSec === undefined ? undefined : failure.retryAfterSec * 1000,
  });
}

/**
 * A command's failure. A BridgeError passes through unchanged.
 *
 * - not sent (refused, DNS, connect timeout, TLS, cancelled first) -> `unavailable`, retryable.
 * - 429 / 503 -> `unavailable` with Retry-After: the server says it did not process it.
 * - 500, 502, 504 and the other 5xx -> `timeout`: PHP can die after AMI queued the originate,
 *   and a gateway's 502/504 says nothing about whether the PBX behind it acted. Calling that
 *   `unavailable` (retryable, "not sent") would invite a retry that rings a phone twice.
 * - 401 / 403 -> `vendor_error` "authentication refused"; other 4xx -> `vendor_error`.
 * - sent with no answer, reset, aborted by the timeout, unreadable answer -> `timeout`.
 */
export function toCommandError(err: unknown, options: ClassifyOptions): BridgeError {
  if (err instanceof BridgeError) return err;
  const failure = classifyHttpFailure(err, options);
  const unknownOutcome = `${failure.message}; the command may or may not have been carried out`;
  switch (failure.kind) {
    case 'not_sent':
      return new UnavailableError(`${failure.message}; the command was not sent`);
    case 'no_answer':
    case 'unreadable':
      return new TimeoutError(unknownOutcome);
    case 'http_status': {
      const status = failure.status ?? 0;
      if (NOT_PROCESSED_STATUS.has(status)) {
        return new VendorUnavailableError(`${failure.message}; the command was not carried out`, failure.retryAfterSec);
      }
      if (status >= 500) return new TimeoutError(unknownOutcome);
      if (status === 401 || status === 403) return new VendorError(`authentication refused by ${options.vendor}`);
      return new VendorError(`${options.vendor} refused the request (HTTP ${status})`);
    }
  }
}
