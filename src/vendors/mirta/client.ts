/**
 * The MiRTA legacy ProxyAPI over HTTP: one GET per request, everything in the query string
 * (key included, which is why this file never logs and never puts a URL in an error).
 * Failures come out already mapped (http-errors.ts): PollError for polls, BridgeError for
 * commands.
 */
import { Pool, type Dispatcher } from 'undici';
import { VendorError } from '../../errors.js';
import { PollError } from '../../pollers/poll-error.js';
import {
  HttpStatusError,
  RequestNotSentError,
  ResponseTooLargeError,
  parseRetryAfter,
  toCommandError,
  toPollError,
} from '../http-errors.js';
import { AUTH_REFUSED_MESSAGE, isMirtaAuthError } from './parsers.js';

export const MIRTA_VENDOR_NAME = 'MiRTA';
/** A real PEERS/BLFS answer of a big tenant is a few MB; 20 MB leaves room and bounds memory. */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

export type MirtaRequestKind = 'poll' | 'command';

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

/** Drops a body we will not read; undici's stream errors on destroy, and nobody listens. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export class MirtaClient {
  readonly #url: URL;
  readonly #key: string;
  readonly #injected: Dispatcher | undefined;
  readonly #connections: number;
  readonly #maxBodyBytes: number;
  #pool: Pool | undefined;

  constructor(options: MirtaClientOptions) {
    this.#url = new URL(options.url);
    this.#key = options.key;
    this.#injected = options.dispatcher;
    this.#connections = options.connections ?? 4;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
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
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    try {
      if (signal.aborted) throw new RequestNotSentError();
      const body = await this.#get(params, options, signal);
      if (isMirtaAuthError(body)) {
        throw options.kind === 'poll' ? new PollError('auth', AUTH_REFUSED_MESSAGE) : new VendorError(AUTH_REFUSED_MESSAGE);
      }
      return body;
    } catch (err) {
      const classify = { vendor: MIRTA_VENDOR_NAME, signal };
      throw options.kind === 'poll' ? toPollError(err, classify) : toCommandError(err, classify);
    }
  }

  async #get(params: Readonly<Record<string, string>>, options: MirtaRequestOptions, signal: AbortSignal): Promise<string> {
    const query = new URLSearchParams(this.#url.search);
    for (const [name, value] of Object.entries(params)) query.set(name, value);
    query.set('format', 'json');
    query.set('key', this.#key);
    const response = await this.#dispatcher().request({
      origin: this.#url.origin,
      path: `${this.#url.pathname}?${query.toString()}`,
      method: 'GET',
      headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.1' },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // A command is a GET but not idempotent: undici must never replay it on a fresh socket.
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
    this.#pool ??= new Pool(this.#url.origin, {
      connections: this.#connections,
      // Undici's defaults are 300 s; each request sets its own, these are only the floor.
      connectTimeout: 10_000,
      keepAliveTimeout: 4_000,
    });
    return this.#pool;
  }

  /** Closes the default Pool (an injected dispatcher belongs to its owner). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }
}
