/**
 * Crossbar REST for one account: channels, channel actions, quickcall, ACDC agents. Every
 * request carries `X-Auth-Token`; a 401 drops the token and retries once with a fresh one —
 * safe for actions too, because crossbar authenticates before it validates or executes
 * anything. Failures come out mapped: PollError for reads, BridgeError for commands.
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
import { KazooAuthRefusedError, type KazooAuth } from './auth-client.js';
import { KAZOO_VENDOR_NAME, deadlineSignal, exchangeJson, splitBaseUrl, type JsonAnswer } from './http-exchange.js';
import { EnvelopeSchema } from './wire.js';

export type RequestKind = 'poll' | 'command';

export interface CrossbarRequest<T> {
  method: 'GET' | 'POST' | 'PUT';
  /** Path under `/v2/accounts/{accountId}`, segments already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  kind: RequestKind;
  /** Parses `data` of a 2xx envelope. Commands may leave it out: a 2xx is the answer. */
  schema?: z.ZodType<T>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Message of the `not_found` a 404 becomes for commands (`no such channel`). */
  notFound?: string;
}

/** Crossbar answered with its error envelope: a definite refusal. */
export class CrossbarError extends Error {
  readonly code = 'KAZOO_CROSSBAR_ERROR' as const;
  readonly status: number;
  readonly retryAfterSec: number | undefined;
  constructor(status: number, message: string, retryAfterSec?: number) {
    super(message);
    this.status = status;
    this.retryAfterSec = retryAfterSec;
  }
}

/** Logging in failed (not refused): whatever the cause, the request itself never left. */
class LoginFailedError extends Error {
  constructor(cause: unknown) {
    super('Kazoo login failed', { cause });
  }
}

/** Longest vendor reason passed on to clients. */
const MAX_REASON = 300;

/**
 * The envelope's reason: `message`, plus validation details (`{field: {rule: {message}}}`)
 * and quickcall's `data.error_message`, e.g. `invalid data: target: No target destination specified`.
 */
export function envelopeReason(json: unknown): string | undefined {
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success || envelope.data.status !== 'error') return undefined;
  const parts: string[] = [];
  const data = envelope.data.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const [field, rules] of Object.entries(data as Record<string, unknown>)) {
      if (field === 'error_message' && typeof rules === 'string') parts.push(rules);
      if (rules === null || typeof rules !== 'object') continue;
      for (const rule of Object.values(rules as Record<string, unknown>)) {
        const message = (rule as { message?: unknown } | null)?.message;
        if (typeof message === 'string') parts.push(`${field}: ${message}`);
      }
    }
  }
  const head = envelope.data.message ?? `error ${String(envelope.data.error ?? '')}`.trim();
  return [head, ...parts].join('; ').slice(0, MAX_REASON);
}

export class CrossbarClient {
  readonly #dispatcher: Dispatcher;
  readonly #auth: KazooAuth;
  readonly #origin: string;
  readonly #accountPath: string;

  constructor(options: { rest: string; accountId: string; dispatcher: Dispatcher; auth: KazooAuth }) {
    this.#dispatcher = options.dispatcher;
    this.#auth = options.auth;
    const { origin, prefix } = splitBaseUrl(options.rest);
    this.#origin = origin;
    this.#accountPath = `${prefix}/v2/accounts/${encodeURIComponent(options.accountId)}`;
  }

  /**
   * One authenticated crossbar request; resolves with the envelope's parsed `data`.
   *
   * @example
   * const items = await crossbar.request({ method: 'GET', path: '/channels', kind: 'poll',
   *   schema: RestChannelListSchema, timeoutMs: 5000, signal });
   */
  async request<T>(request: CrossbarRequest<T>): Promise<T | undefined> {
    const signal = deadlineSignal(request.timeoutMs, request.signal);
    try {
      const answer = await this.#authenticated(request, signal);
      return this.#accept(request, answer);
    } catch (err) {
      throw this.#mapError(request, err, signal);
    }
  }

  async #authenticated<T>(request: CrossbarRequest<T>, signal: AbortSignal): Promise<JsonAnswer> {
    const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
    for (let attempt = 0; ; attempt++) {
      let token: string;
      try {
        token = await this.#auth.token(signal);
      } catch (err) {
        // Still logging in when the deadline passed: the request itself never left.
        if (signal.aborted) throw new RequestNotSentError();
        if (err instanceof KazooAuthRefusedError) throw err;
        throw new LoginFailedError(err);
      }
      const answer = await exchangeJson(
        this.#dispatcher,
        {
          method: request.method,
          origin: this.#origin,
          path: `${this.#accountPath}${request.path}${query}`,
          headers: { 'x-auth-token': token },
          body: request.body,
          timeoutMs: request.timeoutMs,
          idempotent: request.method === 'GET' && request.kind === 'poll',
        },
        signal,
      );
      if (answer.status !== 401 || attempt > 0) return answer;
      this.#auth.invalidate(token);
    }
  }

  #accept<T>(request: CrossbarRequest<T>, answer: JsonAnswer): T | undefined {
    if (answer.status < 200 || answer.status > 299) {
      const reason = envelopeReason(answer.json);
      const retryAfter = parseRetryAfter(answer.retryAfter);
      if (reason !== undefined) throw new CrossbarError(answer.status, this.#auth.redact(reason), retryAfter);
      throw new HttpStatusError(answer.status, retryAfter);
    }
    if (!request.schema) return undefined;
    const envelope = EnvelopeSchema.safeParse(answer.json);
    const data = request.schema.safeParse(envelope.success ? envelope.data.data : undefined);
    if (!data.success) {
      if (request.kind === 'poll') throw new PollError('parse', `unexpected ${KAZOO_VENDOR_NAME} answer shape`);
      // The action was accepted (2xx); an odd body does not undo that.
      return undefined;
    }
    return data.data;
  }

  #mapError(request: CrossbarRequest<unknown>, err: unknown, signal: AbortSignal): PollError | BridgeError {
    const classify = { vendor: KAZOO_VENDOR_NAME, signal };
    if (err instanceof KazooAuthRefusedError) {
      const message = 'Kazoo refused the API key (api_auth)';
      return request.kind === 'poll' ? new PollError('auth', message) : new VendorError(message);
    }
    if (err instanceof CrossbarError) {
      const message = `${KAZOO_VENDOR_NAME}: ${err.message}`;
      if (request.kind === 'poll') {
        const reason = err.status === 401 || err.status === 403 ? 'auth' : err.status === 429 ? 'rate_limited' : 'vendor';
        return new PollError(reason, message);
      }
      if (err.status === 429 || err.status === 503) return new VendorUnavailableError(message, err.retryAfterSec);
      if (err.status === 404) return new NotFoundError(request.notFound ?? message);
      return new VendorError(message);
    }
    if (err instanceof LoginFailedError) {
      if (request.kind === 'poll') return toPollError(err.cause, { vendor: KAZOO_VENDOR_NAME });
      const reason = classifyHttpFailure(err.cause, { vendor: KAZOO_VENDOR_NAME }).message;
      return new UnavailableError(`Kazoo login failed (${reason}); the command was not sent`);
    }
    return request.kind === 'poll' ? toPollError(err, classify) : toCommandError(err, classify);
  }
}
