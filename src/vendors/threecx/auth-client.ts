/**
 * 3CX authentication: `POST /connect/token` with the API application's id and key
 * (`grant_type=client_credentials`) gives a bearer `access_token` and its `expires_in` (about an
 * hour [K]). The token is cached, refreshed `refreshMarginMs` before it expires and again
 * whenever 3CX answers 401, and a refresh is single-flight: a burst of 401s logs in once.
 * Neither the key nor any token is ever logged or put in an error message; `redact()` scrubs
 * them from vendor text.
 */
import type { Dispatcher } from 'undici';
import { HttpStatusError, parseRetryAfter } from '../http-errors.js';
import { raceAbort } from '../../util/race-abort.js';
import { deadlineSignal, exchange, splitBaseUrl } from './http-exchange.js';
import { TokenResponseSchema } from './parsers.js';

/** When the answer carries no `expires_in` (3CX's usual lifetime [K]). */
export const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;
/** Tokens remembered for redaction (the current one and a few it replaced). */
const REMEMBERED_TOKENS = 4;
/** OAuth2 answers 400 `invalid_client` / `unauthorized_client` to bad credentials (RFC 6749 §5.2). */
const REFUSED_STATUS: ReadonlySet<number> = new Set([400, 401, 403]);

/** 3CX refused the client credentials. */
export class ThreeCxAuthRefusedError extends Error {
  readonly code = 'THREECX_AUTH_REFUSED' as const;
  readonly status: number;
  constructor(status: number) {
    super(`3CX refused the client credentials (HTTP ${status})`);
    this.status = status;
  }
}

export interface ThreeCxAuthOptions {
  /** The PBX base URL. */
  url: string;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  refreshMarginMs: number;
  timeoutMs: number;
  now?: () => number;
}

/** A token and when the client will stop handing it out. */
export interface TokenLease {
  token: string;
  /** Epoch ms after which `token()` logs in again. */
  refreshAt: number;
}

export class ThreeCxAuth {
  readonly #options: ThreeCxAuthOptions;
  readonly #origin: string;
  readonly #path: string;
  readonly #now: () => number;
  readonly #issued: string[] = [];
  #current: TokenLease | undefined;
  #pending: Promise<TokenLease> | undefined;
  #logins = 0;

  constructor(options: ThreeCxAuthOptions) {
    this.#options = options;
    const { origin, prefix } = splitBaseUrl(options.url);
    this.#origin = origin;
    this.#path = `${prefix}/connect/token`;
    this.#now = options.now ?? Date.now;
  }

  /** Successful token requests so far (a metric for tests and ops). */
  get logins(): number {
    return this.#logins;
  }

  /**
   * A token valid for a while yet, requesting one first if needed.
   *
   * @example
   * headers.authorization = `Bearer ${await auth.token(signal)}`;
   */
  async token(signal?: AbortSignal): Promise<string> {
    return (await this.lease(signal)).token;
  }

  /** The token with its refresh time: the websocket reopens with a new one by then. */
  lease(signal?: AbortSignal): Promise<TokenLease> {
    const current = this.#current;
    if (current && this.#now() < current.refreshAt) return Promise.resolve(current);
    this.#pending ??= this.#login().finally(() => {
      this.#pending = undefined;
    });
    return signal ? raceAbort(this.#pending, signal) : this.#pending;
  }

  /** 3CX said 401 to `token`: drop it (unless a newer one already replaced it). */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  /** Replaces the client secret and every token this client was given by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.#options.clientSecret, ...this.#issued]) {
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  async #login(): Promise<TokenLease> {
    // The shared login has its own deadline: one caller giving up must not fail the others.
    const signal = deadlineSignal(this.#options.timeoutMs);
    const answer = await exchange(
      this.#options.dispatcher,
      {
        method: 'POST',
        origin: this.#origin,
        path: this.#path,
        body: {
          form: { client_id: this.#options.clientId, client_secret: this.#options.clientSecret, grant_type: 'client_credentials' },
        },
        timeoutMs: this.#options.timeoutMs,
        // Asking for a token twice does no harm.
        idempotent: true,
      },
      signal,
    );
    if (REFUSED_STATUS.has(answer.status)) throw new ThreeCxAuthRefusedError(answer.status);
    if (answer.status < 200 || answer.status > 299) throw new HttpStatusError(answer.status, parseRetryAfter(answer.retryAfter));
    const parsed = TokenResponseSchema.safeParse(answer.json);
    if (!parsed.success) throw new HttpStatusError(answer.status);
    const now = this.#now();
    const lifetime = parsed.data.expires_in !== undefined ? parsed.data.expires_in * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
    // A margin longer than the token's life would log in on every request; refresh at
    // half-life at the latest instead.
    const refreshIn = Math.max(lifetime - this.#options.refreshMarginMs, lifetime / 2);
    const lease: TokenLease = { token: parsed.data.access_token, refreshAt: now + refreshIn };
    this.#current = lease;
    this.#issued.unshift(lease.token);
    this.#issued.length = Math.min(this.#issued.length, REMEMBERED_TOKENS);
    this.#logins++;
    return lease;
  }
}
