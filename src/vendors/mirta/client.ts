/**
 * The MiRTA legacy ProxyAPI over HTTP: one GET per request, everything in the query string
 * (key included, which is why this file never logs and never puts a URL in an error).
 * Failures come out already mapped (http-errors.ts): PollError for polls, BridgeError for
 * commands.
 */
import type { Dispatcher } from 'undici';
import { VendorError } from '../../errors.js';
import { PollError } from '../../pollers/poll-error.js';
import { toCommandError, toPollError } from '../http-errors.js';
import { VendorHttp, deadlineSignal, type VendorRequestKind } from '../vendor-http.js';
import { AUTH_REFUSED_MESSAGE, isMirtaAuthError } from './parsers.js';

export const MIRTA_VENDOR_NAME = 'MiRTA';
/** A real PEERS/BLFS answer of a big tenant is a few MB; 20 MB leaves room and bounds memory. */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

export type MirtaRequestKind = VendorRequestKind;

export interface MirtaClientOptions {
  /** The full proxyapi.php URL, path included. */
  url: string;
  key: string;
  /** Tests and the app may inject a Pool; by default one Pool per origin is created lazily. */
  dispatcher?: Dispatcher;
  /** Connections of the default Pool (the vendor budget's concurrency). */
  connections?: number;
  maxBodyBytes?: number;
}

export interface MirtaRequestOptions {
  kind: MirtaRequestKind;
  /** Deadline of this request (headers, body, and overall). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export class MirtaClient {
  readonly #url: URL;
  readonly #key: string;
  readonly #http: VendorHttp;

  constructor(options: MirtaClientOptions) {
    this.#url = new URL(options.url);
    this.#key = options.key;
    this.#http = new VendorHttp({
      origin: this.#url.origin,
      dispatcher: options.dispatcher,
      connections: options.connections ?? 4,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    });
  }

  /** Replaces every occurrence of the key in vendor text (a vendor may echo the query). */
  redact(text: string): string {
    return this.#key.length >= 4 ? text.split(this.#key).join('[redacted]') : text;
  }

  /**
   * GETs `?<params>&format=json&key=…` and returns the body as text.
   *
   * @example
   * const body = await client.request({ reqtype: 'PEERS', tenant: 'DEMO' }, { kind: 'poll', timeoutMs: 4000, signal });
   */
  async request(params: Readonly<Record<string, string>>, options: MirtaRequestOptions): Promise<string> {
    const signal = deadlineSignal(options.timeoutMs, options.signal);
    try {
      const query = new URLSearchParams(this.#url.search);
      for (const [name, value] of Object.entries(params)) query.set(name, value);
      query.set('format', 'json');
      query.set('key', this.#key);
      const body = await this.#http.get({
        path: `${this.#url.pathname}?${query.toString()}`,
        headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.1' },
        kind: options.kind,
        timeoutMs: options.timeoutMs,
        signal,
      });
      // MiRTA answers HTTP 200 with a text body on a bad key: the status cannot be trusted.
      if (isMirtaAuthError(body)) {
        throw options.kind === 'poll' ? new PollError('auth', AUTH_REFUSED_MESSAGE) : new VendorError(AUTH_REFUSED_MESSAGE);
      }
      return body;
    } catch (err) {
      const classify = { vendor: MIRTA_VENDOR_NAME, signal };
      throw options.kind === 'poll' ? toPollError(err, classify) : toCommandError(err, classify);
    }
  }

  /** Closes the default Pool (an injected dispatcher belongs to its owner). */
  close(): Promise<void> {
    return this.#http.close();
  }
}
