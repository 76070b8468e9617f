/**
 * The WebAppel api.php over HTTP: one GET per call, `methode`, `email` and `pass` in the query
 * string (which is why this file never logs and never puts a URL in an error). Transport
 * failures are mapped by http-errors.ts; vendor texts are scrubbed of the credentials.
 */
import { Pool, type Dispatcher } from 'undici';
import { PollError } from '../../pollers/poll-error.js';
import { HttpStatusError, RequestNotSentError, ResponseTooLargeError, parseRetryAfter, toCommandError, toPollError } from '../http-errors.js';

export const WEBAPPEL_VENDOR_NAME = 'WebAppel';
/** A day of listing rows is small; 5 MB bounds memory against a broken answer. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Vendor texts put into errors are cut to this many characters. */
const MAX_TEXT = 200;

export type WebAppelRequestKind = 'poll' | 'command';

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

function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export class WebAppelClient {
  readonly #url: URL;
  readonly #email: string;
  readonly #pass: string;
  readonly #injected: Dispatcher | undefined;
  readonly #connections: number;
  readonly #maxBodyBytes: number;
  #pool: Pool | undefined;

  constructor(options: WebAppelClientOptions) {
    this.#url = new URL(options.url);
    this.#email = options.email;
    this.#pass = options.pass;
    this.#injected = options.dispatcher;
    this.#connections = options.connections ?? 2;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
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
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    try {
      if (signal.aborted) throw new RequestNotSentError();
      return await this.#get(methode, params, options, signal);
    } catch (err) {
      const classify = { vendor: WEBAPPEL_VENDOR_NAME, signal };
      throw options.kind === 'poll' ? toPollError(err, classify) : toCommandError(err, classify);
    }
  }

  async #get(methode: string, params: Readonly<Record<string, string>>, options: WebAppelRequestOptions, signal: AbortSignal): Promise<string> {
    const query = new URLSearchParams(this.#url.search);
    query.set('methode', methode);
    query.set('email', this.#email);
    query.set('pass', this.#pass);
    for (const [name, value] of Object.entries(params)) query.set(name, value);
    const response = await this.#dispatcher().request({
      origin: this.#url.origin,
      path: `${this.#url.pathname}?${query.toString()}`,
      method: 'GET',
      headers: { accept: 'text/plain, */*;q=0.1' },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // `appel` is a GET but not idempotent: never replayed on a fresh socket.
      idempotent: options.kind === 'poll',
      blocking: options.kind === 'command',
      signal,
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      discard(response.body);
      throw new HttpStatusError(response.statusCode, parseRetryAfter(response.headers['retry-after']));
    }
    return this.#readCapped(response.body, response.headers['content-length']);
  }

  async #readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined): Promise<string> {
    const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
    if (Number.isFinite(declared) && declared > this.#maxBodyBytes) {
      discard(body);
      throw new ResponseTooLargeError(this.#maxBodyBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        discard(body);
        throw new ResponseTooLargeError(this.#maxBodyBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  #dispatcher(): Dispatcher {
    if (this.#injected) return this.#injected;
    this.#pool ??= new Pool(this.#url.origin, { connections: this.#connections, connectTimeout: 10_000, keepAliveTimeout: 4_000 });
    return this.#pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }
}

/** A poll's vendor text as a PollError (`auth` when it reads like a refused login). */
export function vendorPollError(text: string, auth: boolean): PollError {
  return new PollError(auth ? 'auth' : 'vendor', `${WEBAPPEL_VENDOR_NAME}: ${text === '' ? 'empty answer' : text}`);
}
