/**
 * The client's token: what the handshake sends, what `auth.renew` replaced it with, and whether
 * it is dead. The bridge warns before a JWT expires (`auth.expiring`): the keeper then asks
 * `renewToken` (or the token provider) for a fresh one and renews in-band, so the subscriptions
 * survive. After `auth.expired` a fixed token is known dead and is never sent again: reconnecting
 * with it would only be refused, again and again.
 */
import type { DroppedSubscription, RenewRequest } from '../protocol/messages.js';
import { CallbridgeError, errorFromAck } from './errors.js';
import type { RenewResult, TokenProvider } from './types.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The result of an `auth.renew` ack, or the CallbridgeError of a refusal. */
export function renewResult(ack: unknown): RenewResult {
  if (!isRecord(ack) || ack.ok !== true) throw errorFromAck(ack);
  const dropped = Array.isArray(ack.dropped) ? (ack.dropped as DroppedSubscription[]) : [];
  return typeof ack.expiresAt === 'string' ? { expiresAt: ack.expiresAt, dropped } : { dropped };
}

export class TokenKeeper {
  #token: string | TokenProvider;
  readonly #renewToken: TokenProvider | undefined;
  /** The fixed token expired on the bridge. */
  #dead = false;
  #renewing = false;

  constructor(token: string | TokenProvider, renewToken: TokenProvider | undefined) {
    this.#token = token;
    this.#renewToken = renewToken;
  }

  get token(): string | TokenProvider {
    return this.#token;
  }

  /** False once a fixed token expired: a reconnection with it cannot succeed. */
  get usable(): boolean {
    return !this.#dead;
  }

  /** `setToken()`: the token for the next (re)connection. */
  set(token: string | TokenProvider): void {
    this.#token = token;
    this.#dead = false;
  }

  /**
   * Sends `auth.renew` with `send` (the live socket's emit with a timeout) and settles with the
   * bridge's answer; on success a fixed token is replaced for later reconnections.
   */
  renew(token: string, send: (request: RenewRequest, done: (err: Error | null, ack?: unknown) => void) => void): Promise<RenewResult> {
    return new Promise((resolve, reject) => {
      send({ token }, (err, ack) => {
        if (err) {
          reject(new CallbridgeError({ code: 'unavailable', message: 'no answer to auth.renew: the current token stays in force', retryable: true }));
          return;
        }
        try {
          const result = renewResult(ack);
          this.#renewed(token);
          resolve(result);
        } catch (refusal) {
          reject(refusal instanceof CallbridgeError ? refusal : errorFromAck(undefined));
        }
      });
    });
  }

  /** An in-band renewal succeeded: a fixed token is replaced; a provider stays in charge. */
  #renewed(token: string): void {
    if (typeof this.#token !== 'string') return;
    this.#token = token;
    this.#dead = false;
  }

  /** `auth.expired`: a fixed token is dead; a provider will be asked for a fresh one. */
  expired(): void {
    if (typeof this.#token === 'string') this.#dead = true;
  }

  /**
   * The handshake's `auth`: the current token, asked from the provider on every attempt. A
   * failing provider sends no token: the bridge refuses, and the refusal is retried.
   */
  handshake(send: (data: object) => void): void {
    const token = this.#token;
    Promise.resolve()
      .then(() => (typeof token === 'function' ? token() : token))
      .then((value) => send({ token: value }), () => send({}));
  }

  /**
   * `auth.expiring`: gets a fresh token from `renewToken` (or the token provider) and hands it
   * to `renew`; one renewal at a time. Nothing to do without either: the application renews.
   */
  expiring(renew: (token: string) => Promise<unknown>, failed: (error: CallbridgeError) => void): void {
    const provider = this.#renewToken ?? (typeof this.#token === 'function' ? this.#token : undefined);
    if (!provider || this.#renewing) return;
    this.#renewing = true;
    Promise.resolve()
      .then(provider)
      .then(
        (token) => renew(token),
        () => {
          // The provider's own error may carry anything (a response body, a token): not passed on.
          throw new CallbridgeError({ code: 'unauthorized', message: 'renewToken() failed: the token could not be renewed', retryable: false });
        },
      )
      .catch((err: unknown) => {
        failed(
          err instanceof CallbridgeError
            ? err
            : new CallbridgeError({ code: 'internal', message: 'the token could not be renewed', retryable: false }),
        );
      })
      .finally(() => {
        this.#renewing = false;
      });
  }
}
