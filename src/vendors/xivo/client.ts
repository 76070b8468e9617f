/**
 * The XiVO web services (`json.php/restricted/...`) over HTTP with preemptive HTTP Basic.
 * The password lives only in the Authorization header: this file never logs, and never puts a
 * URL or a header in an error. Failures come out as PollErrors (http-errors.ts).
 */
import type { Dispatcher } from 'undici';
import { PollError } from '../../pollers/poll-error.js';
import { toPollError } from '../http-errors.js';
import { VendorHttp, deadlineSignal } from '../vendor-http.js';

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

/** "No data" answers of the web services (seed 004): an empty body, not an error. */
const EMPTY_STATUSES: ReadonlySet<number> = new Set([204, 304]);

export class XivoClient {
  readonly #prefix: string;
  readonly #authorization: string;
  readonly #http: VendorHttp;

  constructor(options: XivoClientOptions) {
    const url = new URL(options.url);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
    this.#http = new VendorHttp({
      origin: url.origin,
      dispatcher: options.dispatcher,
      connections: options.connections ?? 2,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    });
  }

  /**
   * GETs a web-service path and returns the body text; `''` for 204 (no data) and 304.
   *
   * @example
   * const body = await client.get(XIVO_PATHS.cel, { act: 'searchid', idbeg: '200' }, { timeoutMs: 5000 });
   */
  async get(path: string, params: Readonly<Record<string, string>>, options: XivoRequestOptions): Promise<string> {
    const signal = deadlineSignal(options.timeoutMs, options.signal);
    try {
      const query = new URLSearchParams(params).toString();
      return await this.#http.get({
        path: `${this.#prefix}${path}${query ? `?${query}` : ''}`,
        headers: { accept: 'application/json', authorization: this.#authorization },
        kind: 'poll',
        timeoutMs: options.timeoutMs,
        signal,
        emptyStatuses: EMPTY_STATUSES,
        onErrorStatus: (status) => {
          if (status === 401 || status === 403) {
            throw new PollError('auth', `${XIVO_VENDOR_NAME} refused the credentials (HTTP ${status})`);
          }
        },
      });
    } catch (err) {
      throw toPollError(err, { vendor: XIVO_VENDOR_NAME, signal });
    }
  }

  /** Closes the default Pool (an injected dispatcher belongs to its owner). */
  close(): Promise<void> {
    return this.#http.close();
  }
}
