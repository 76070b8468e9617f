/**
 * Crossbar authentication: `PUT /v2/api_auth` with the account's API key gives a token (top
 * level `auth_token`, JWT-like, `exp` claim; 1 h by default). The token is cached, refreshed
 * `refreshMarginMs` before it expires and again whenever crossbar answers 401, and a refresh is
 * single-flight: a burst of 401s re-authenticates once. Neither the key nor any token is ever
 * logged or put in an error message; `redact()` scrubs them from vendor text.
 */
import type { Dispatcher } from 'undici';
import { HttpStatusError, parseRetryAfter } from '../http-errors.js';
import { ApiAuthResponseSchema, EnvelopeSchema } from './wire.js';
import { deadlineSignal, exchangeJson, splitBaseUrl } from './http-exchange.js';
import { raceAbort } from '../../util/race-abort.js';

/** When the token carries no readable `exp` (Kazoo's default `token_auth_expiry_s`). */
export const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;
/** Tokens remembered for redaction (the current one and a few it replaced). */
const REMEMBERED_TOKENS = 4;

/** Kazoo refused the API key (401 `invalid credentials`, 404 `bad identifier`). */
export class KazooAuthRefusedError extends Error {
  readonly code = 'KAZOO_AUTH_REFUSED' as const;
  readonly status: number;
  constructor(status: number) {
    super(`Kazoo refused the API key (HTTP ${status})`);
    this.status = status;
  }
}

export interface KazooAuthOptions {
  /** Crossbar base URL. */
  rest: string;
  apiKey: string;
  dispatcher: Dispatcher;
  refreshMarginMs: number;
  timeoutMs: number;
  now?: () => number;
}

interface CachedToken {
  value: string;
  refreshAt: number;
}

/** `exp` (seconds) from a JWT-shaped token, without verifying it: only to plan the refresh. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

export class KazooAuth {
  readonly #options: KazooAuthOptions;
  readonly #origin: string;
  readonly #path: string;
  readonly #now: () => number;
  readonly #issued: string[] = [];
  #token: CachedToken | undefined;
  #pending: Promise<string> | undefined;
  #logins = 0;

  constructor(options: KazooAuthOptions) {
    this.#options = options;
    const { origin, prefix } = splitBaseUrl(options.rest);
    this.#origin = origin;
    this.#path = `${prefix}/v2/api_auth`;
    this.#now = options.now ?? Date.now;
  }

  /** Successful `api_auth` exchanges so far (a metric for tests and ops). */
  get logins(): number {
    return this.#logins;
  }

  /**
   * A token valid for a while yet, authenticating first if needed.
   *
   * @example
   * const token = await auth.token(signal);
   * headers['x-auth-token'] = token;
   */
  async token(signal?: AbortSignal): Promise<string> {
    const cached = this.#token;
    if (cached && this.#now() < cached.refreshAt) return cached.value;
    this.#pending ??= this.#login().finally(() => {
      this.#pending = undefined;
    });
    return signal ? raceAbort(this.#pending, signal) : this.#pending;
  }

  /** Crossbar said 401 with `token`: drop it (unless a newer one already replaced it). */
  invalidate(token: string): void {
    if (this.#token?.value === token) this.#token = undefined;
  }

  /** Replaces the API key and every token this client was given by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.#options.apiKey, ...this.#issued]) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  async #login(): Promise<string> {
    // The shared login has its own deadline: one caller giving up must not fail the others.
    const signal = deadlineSignal(this.#options.timeoutMs);
    const answer = await exchangeJson(
      this.#options.dispatcher,
      {
        method: 'PUT',
        origin: this.#origin,
        path: this.#path,
        body: { data: { api_key: this.#options.apiKey } },
        timeoutMs: this.#options.timeoutMs,
        idempotent: true,
      },
      signal,
    );
    if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
      throw new KazooAuthRefusedError(answer.status);
    }
    if (answer.status !== 200 && answer.status !== 201) {
      throw new HttpStatusError(answer.status, parseRetryAfter(answer.retryAfter));
    }
    const parsed = ApiAuthResponseSchema.safeParse(answer.json);
    if (!parsed.success || EnvelopeSchema.safeParse(answer.json).data?.status === 'error') {
      throw new HttpStatusError(answer.status);
    }
    const value = parsed.data.auth_token;
    const now = this.#now();
    const exp = tokenExpiry(value);
    const lifetime = exp !== undefined ? Math.max(0, exp * 1000 - now) : DEFAULT_TOKEN_LIFETIME_MS;
    // A margin longer than the token's life (a short `token_auth_expiry_s`) would re-auth on
    // every request; refresh at half-life at the latest instead.
    const refreshIn = Math.max(lifetime - this.#options.refreshMarginMs, lifetime / 2);
    this.#token = { value, refreshAt: now + refreshIn };
    this.#issued.unshift(value);
    this.#issued.length = Math.min(this.#issued.length, REMEMBERED_TOKENS);
    this.#logins++;
    return value;
  }
}

