/**
 * The WebAppel api.php over HTTP: one GET per call, `methode`, `email` and `pass` in the query
 * string (which is why this file never logs and never puts a URL in an error). Transport
 * failures are mapped by http-errors.ts; vendor texts are scrubbed of the credentials.
 */
import type { Dispatcher } from 'undici';
import { PollError } from '../../pollers/poll-error.js';
import { toCommandError, toPollError } from '../http-errors.js';
import { VendorHttp, deadlineSignal, type VendorRequestKind } from '../vendor-http.js';

export const WEBAPPEL_VENDOR_NAME = 'WebAppel';
/** A day of listing rows is small; 5 MB bounds memory against a broken answer. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Vendor texts put into errors are cut to this many characters. */
const MAX_TEXT = 200;

export type WebAppelRequestKind = VendorRequestKind;

export interface WebAppelClientOptions {
  url: string;
  email: string;
  pass: string;
  dispatcher?: Dispatcher;
  connections?: number;
  maxBodyBytes?: number;
}

export interface WebAppelRequestOptions {
  kind: WebAppelRequestKind;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class WebAppelClient {
  readonly #url: URL;
  readonly #email: string;
  readonly #pass: string;
  readonly #http: VendorHttp;

  constructor(options: WebAppelClientOptions) {
    this.#url = new URL(options.url);
    this.#email = options.email;
    this.#pass = options.pass;
    this.#http = new VendorHttp({
      origin: this.#url.origin,
      dispatcher: options.dispatcher,
      connections: options.connections ?? 2,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    });
  }

  /**
   * A vendor text safe to publish: the password (also URL-encoded) replaced, control characters
   * dropped, cut to 200 characters. The email (a login) is replaced too.
   */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.#pass, encodeURIComponent(this.#pass), this.#email, encodeURIComponent(this.#email)]) {
      if (secret.length > 0) out = out.split(secret).join('[redacted]');
    }
    out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
  }

  /**
   * GETs `?methode=<methode>&email=…&pass=…&<params>` and returns the body as text.
   *
   * @example
   * const body = await client.request('appel_listing', { id_popup: '77', id_tracking: '8' }, { kind: 'poll', timeoutMs: 4000 });
   */
  async request(methode: string, params: Readonly<Record<string, string>>, options: WebAppelRequestOptions): Promise<string> {
    const signal = deadlineSignal(options.timeoutMs, options.signal);
    try {
      const query = new URLSearchParams(this.#url.search);
      query.set('methode', methode);
      query.set('email', this.#email);
      query.set('pass', this.#pass);
      for (const [name, value] of Object.entries(params)) query.set(name, value);
      return await this.#http.get({
        path: `${this.#url.pathname}?${query.toString()}`,
        headers: { accept: 'text/plain, */*;q=0.1' },
        kind: options.kind,
        timeoutMs: options.timeoutMs,
        signal,
      });
    } catch (err) {
      const classify = { vendor: WEBAPPEL_VENDOR_NAME, signal };
      throw options.kind === 'poll' ? toPollError(err, classify) : toCommandError(err, classify);
    }
  }

  /** Closes the default Pool (an injected dispatcher belongs to its owner). */
  close(): Promise<void> {
    return this.#http.close();
  }
}

/** A poll's vendor text as a PollError (`auth` when it reads like a refused login). */
export function vendorPollError(text: string, auth: boolean): PollError {
  return new PollError(auth ? 'auth' : 'vendor', `${WEBAPPEL_VENDOR_NAME}: ${text === '' ? 'empty answer' : text}`);
}
