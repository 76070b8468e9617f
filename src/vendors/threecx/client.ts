/**
 * The `/callcontrol` REST API of one PBX: the tree snapshot, entity reads after notifications,
 * and command POSTs. Every request carries `Authorization: Bearer`; a 401 drops the token and
 * retries once with a fresh one — safe for actions too, because the server authenticates
 * before it routes anything. Failures come out mapped: PollError for reads, BridgeError for
 * commands (the one place where 3CX answers become protocol errors).
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { NotFoundError, UnavailableError, VendorError, type BridgeError } from '../../errors.js';
import { PollError } from '../../pollers/poll-error.js';
import {
  HttpStatusError,
  RequestNotSentError,
  VendorUnavailableError,
  classifyHttpFailure,
  parseRetryAfter,
  toCommandError,
  toPollError,
} from '../http-errors.js';
import { ThreeCxAuthRefusedError, type ThreeCxAuth } from './auth-client.js';
import { THREECX_VENDOR_NAME, deadlineSignal, exchange, splitBaseUrl, type Answer } from './http-exchange.js';

type Kind = 'poll' | 'command';

export interface ReadOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** A 404 answers undefined (the entity went away between its notification and the GET). */
  missingIsGone?: boolean;
}

export interface ActionOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Message of the `not_found` a 404 becomes (`3CX has no participant 100/7`). */
  notFound: string;
}

/** 3CX answered an action with an error status and a reason: a definite refusal. */
export class ThreeCxRefusalError extends Error {
  readonly code = 'THREECX_REFUSED' as const;
  readonly status: number;
  readonly retryAfterSec: number | undefined;
  constructor(status: number, message: string, retryAfterSec?: number) {
    super(message);
    this.status = status;
    this.retryAfterSec = retryAfterSec;
  }
}

/** Getting a token failed (not refused): whatever the cause, the request itself never left. */
class LoginFailedError extends Error {
  constructor(cause: unknown) {
    super('3CX login failed', { cause });
  }
}

/** Longest vendor reason passed on to clients. */
const MAX_REASON = 300;
const REASON_FIELDS = ['reasontext', 'message', 'detail', 'title', 'error_description', 'error'] as const;

/**
 * The reason in a 3CX error body. The shape is not documented [U]: a JSON string, an object
 * with one of the usual fields (ASP.NET problem details, an action result's `reasontext`), or
 * a short plain-text line.
 */
export function errorReason(answer: Pick<Answer, 'json' | 'text'>): string | undefined {
  const { json } = answer;
  if (typeof json === 'string' && json.trim() !== '') return json.trim().slice(0, MAX_REASON);
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    for (const field of REASON_FIELDS) {
      const value = (json as Record<string, unknown>)[field];
      if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, MAX_REASON);
    }
    return undefined;
  }
  const line = answer.text.trim();
  // HTML error pages of a proxy in front say nothing useful.
  if (json === undefined && line !== '' && !line.startsWith('<') && !line.includes('\n')) return line.slice(0, MAX_REASON);
  return undefined;
}

export class CallControlClient {
  readonly #dispatcher: Dispatcher;
  readonly #auth: ThreeCxAuth;
  readonly #origin: string;
  readonly #prefix: string;

  constructor(options: { url: string; dispatcher: Dispatcher; auth: ThreeCxAuth }) {
    this.#dispatcher = options.dispatcher;
    this.#auth = options.auth;
    const { origin, prefix } = splitBaseUrl(options.url);
    this.#origin = origin;
    this.#prefix = prefix;
  }

  /**
   * A read (poll kind): the parsed body, or undefined for a 404 with `missingIsGone`.
   *
   * @example
   * const dns = await client.get('/callcontrol', DnListSchema, { timeoutMs: 5000, signal });
   */
  async get<T>(path: string, schema: z.ZodType<T>, options: ReadOptions): Promise<T | undefined> {
    const signal = deadlineSignal(options.timeoutMs, options.signal);
    try {
      const answer = await this.#authenticated('GET', path, undefined, 'poll', options.timeoutMs, signal);
      if (answer.status === 404 && options.missingIsGone === true) return undefined;
      this.#checkStatus(answer);
      const parsed = schema.safeParse(answer.json);
      if (!parsed.success) throw new PollError('parse', `unexpected ${THREECX_VENDOR_NAME} answer shape`);
      return parsed.data;
    } catch (err) {
      throw this.#mapError('poll', err, signal);
    }
  }

  /**
   * An action (command kind), sent once: the parsed body, or undefined when a 2xx body does
   * not parse (the action was accepted; an odd body does not undo that).
   */
  async post<T>(path: string, body: unknown, schema: z.ZodType<T>, options: ActionOptions): Promise<T | undefined> {
    const signal = deadlineSignal(options.timeoutMs, options.signal);
    try {
      const answer = await this.#authenticated('POST', path, body, 'command', options.timeoutMs, signal);
      if (answer.status === 404) throw new NotFoundError(options.notFound);
      this.#checkStatus(answer);
      const parsed = schema.safeParse(answer.json);
      return parsed.success ? parsed.data : undefined;
    } catch (err) {
      throw this.#mapError('command', err, signal);
    }
  }

  /** Vendor text with the secret and tokens blanked, for error messages. */
  redact(text: string): string {
    return this.#auth.redact(text);
  }

  async #authenticated(method: 'GET' | 'POST', path: string, body: unknown, kind: Kind, timeoutMs: number, signal: AbortSignal): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      let token: string;
      try {
        token = await this.#auth.token(signal);
      } catch (err) {
        // Still getting a token when the deadline passed: the request itself never left.
        if (signal.aborted) throw new RequestNotSentError();
        if (err instanceof ThreeCxAuthRefusedError) throw err;
        throw new LoginFailedError(err);
      }
      const answer = await exchange(
        this.#dispatcher,
        {
          method,
          origin: this.#origin,
          path: `${this.#prefix}${path}`,
          headers: { authorization: `Bearer ${token}` },
          ...(body !== undefined ? { body: { json: body } } : {}),
          timeoutMs,
          idempotent: method === 'GET' && kind === 'poll',
        },
        signal,
      );
      if (answer.status !== 401 || attempt > 0) return answer;
      this.#auth.invalidate(token);
    }
  }

  #checkStatus(answer: Answer): void {
    if (answer.status >= 200 && answer.status <= 299) return;
    const retryAfter = parseRetryAfter(answer.retryAfter);
    const reason = answer.status >= 400 && answer.status < 500 && answer.status !== 401 ? errorReason(answer) : undefined;
    if (reason !== undefined) throw new ThreeCxRefusalError(answer.status, this.#auth.redact(reason), retryAfter);
    throw new HttpStatusError(answer.status, retryAfter);
  }

  #mapError(kind: Kind, err: unknown, signal: AbortSignal): PollError | BridgeError {
    const classify = { vendor: THREECX_VENDOR_NAME, signal };
    if (err instanceof PollError) return err;
    if (err instanceof ThreeCxAuthRefusedError) {
      const message = '3CX refused the client credentials (connect/token)';
      return kind === 'poll' ? new PollError('auth', message) : new VendorError(message);
    }
    if (err instanceof ThreeCxRefusalError) {
      const message = `${THREECX_VENDOR_NAME}: ${err.message}`;
      if (kind === 'poll') return new PollError(err.status === 403 ? 'auth' : err.status === 429 ? 'rate_limited' : 'vendor', message);
      if (err.status === 429) return new VendorUnavailableError(message, err.retryAfterSec);
      return new VendorError(message);
    }
    if (err instanceof LoginFailedError) {
      if (kind === 'poll') return toPollError(err.cause, { vendor: THREECX_VENDOR_NAME });
      const reason = classifyHttpFailure(err.cause, { vendor: THREECX_VENDOR_NAME }).message;
      return new UnavailableError(`3CX login failed (${reason}); the command was not sent`);
    }
    return kind === 'poll' ? toPollError(err, classify) : toCommandError(err, classify);
  }
}
