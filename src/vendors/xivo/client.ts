/**
 * The XiVO web services (`json.php/restricted/...`) over HTTP with preemptive HTTP Basic.
 * The password lives only in the Authorization header: this file never logs, and never puts a
 * URL or a header in an error. Failures come out as PollErrors (http-errors.ts).
 */
import { Pool, type Dispatcher } from 'undici';
import { PollError } from '../../pollers/poll-error.js';
import { HttpStatusError, RequestNotSentError, ResponseTooLargeError, parseRetryAfter, toPollError } from '../http-errors.js';

export const XIVO_VENDOR_NAME = 'XiVO';
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const XIVO_PATHS = {
  cel: '/service/ipbx/json.php/restricted/call_management/cel/',
  queues: '/callcenter/json.php/restricted/settings/queues/',
  agents: '/callcenter/json.php/restricted/settings/agents/',
  users: '/service/ipbx/json.php/restricted/pbx_settings/users/',
  lines: '/service/ipbx/json.php/restricted/pbx_settings/lines/',
} as const;

export interface XivoClientOptions {
  /** Base URL (origin plus an optional path prefix). */
  url: string;
  username: string;
  password: string;
  dispatcher?: Dispatcher;
  connections?: number;
  maxBodyBytes?: number;
}

export interface XivoRequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export class XivoClient {
  readonly #origin: string;
  readonly #prefix: string;
  readonly #authorization: string;
  readonly #injected: Dispatcher | undefined;
  readonly #connections: number;
  readonly #maxBodyBytes: number;
  #pool: Pool | undefined;

  constructor(options: XivoClientOptions) {
    const url = new URL(options.url);
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
    this.#injected = options.dispatcher;
    this.#connections = options.connections ?? 2;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /**
   * GETs a web-service path and returns the body text; `''` for 204 (no data) and 304.
   *
   * @example
   * const body = await client.get(XIVO_PATHS.cel, { act: 'searchid', idbeg: '200' }, { timeoutMs: 5000 });
   */
  async get(path: string, params: Readonly<Record<string, string>>, options: XivoRequestOptions): Promise<string> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    try {
      if (signal.aborted) throw new RequestNotSentError();
      const query = new URLSearchParams(params).toString();
      const response = await this.#dispatcher().request({
        origin: this.#origin,
        path: `${this.#prefix}${path}${query ? `?${query}` : ''}`,
        method: 'GET',
        headers: { accept: 'application/json', authorization: this.#authorization },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        idempotent: true,
        signal,
      });
      const status = response.statusCode;
      if (status === 204 || status === 304) {
        discard(response.body);
        return '';
      }
      if (status === 401 || status === 403) {
        discard(response.body);
        throw new PollError('auth', `${XIVO_VENDOR_NAME} refused the credentials (HTTP ${status})`);
      }
      if (status < 200 || status > 299) {
        discard(response.body);
        throw new HttpStatusError(status, parseRetryAfter(response.headers['retry-after']));
      }
      return await this.#readCapped(response.body, response.headers['content-length']);
    } catch (err) {
      throw toPollError(err, { vendor: XIVO_VENDOR_NAME, signal });
    }
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
    this.#pool ??= new Pool(this.#origin, { connections: this.#connections, connectTimeout: 10_000, keepAliveTimeout: 4_000 });
    return this.#pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }
}
