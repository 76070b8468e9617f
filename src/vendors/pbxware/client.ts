/**
 * The PBXware HTTP API: one GET per call, `?apikey=…&action=pbxware.<object>.<method>&…`. The
 * key is in the query string, which is why this file never logs and never puts a URL in an
 * error. PBXware answers HTTP 200 with `{"error": "..."}` when it refuses, so the status cannot
 * be trusted: every body is parsed and checked for that key here. Failures come out as
 * PollErrors (the bridge only reads from PBXware).
 */
import type { Dispatcher } from 'undici';
import { PollError } from '../../pollers/poll-error.js';
import { toPollError } from '../http-errors.js';
import { VendorHttp, deadlineSignal } from '../vendor-http.js';
import { PBXWARE_VENDOR_NAME, pbxwareErrorFromBody, vendorErrorText } from './vendor-errors.js';

/** A busy tenant's extension list or a 1000-row CDR page is well under this. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Vendor texts put into errors are cut to this many characters. */
const MAX_TEXT = 200;

/** The actions the bridge calls (read-only; PBXware has no call control over HTTP). */
export type PbxwareAction =
  | 'pbxware.tenant.list'
  | 'pbxware.ext.list'
  | 'pbxware.cdr.download'
  | 'pbxware.package.list'
  | 'pbxware.package.configuration';

export interface PbxwareClientOptions {
  /** The web root (`https://pbx.example.com/` or `.../index.php`). */
  url: string;
  apiKey: string;
  dispatcher?: Dispatcher;
  connections?: number;
  maxBodyBytes?: number;
}

export interface PbxwareRequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export class PbxwareClient {
  readonly #url: URL;
  readonly #apiKey: string;
  readonly #http: VendorHttp;

  constructor(options: PbxwareClientOptions) {
    this.#url = new URL(options.url);
    this.#apiKey = options.apiKey;
    this.#http = new VendorHttp({
      origin: this.#url.origin,
      dispatcher: options.dispatcher,
      connections: options.connections ?? 2,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    });
  }

  /**
   * A vendor text safe to publish: the key (also URL-encoded) replaced, control characters
   * dropped, cut to 200 characters.
   */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.#apiKey, encodeURIComponent(this.#apiKey)]) {
      if (secret.length > 0) out = out.split(secret).join('[redacted]');
    }
    out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
  }

  /**
   * Calls one action and returns its parsed JSON body; an `{"error": …}` body throws a
   * PbxwareVendorError (`auth` for a refused key), a body that is not JSON a `parse` PollError.
   *
   * @example
   * const tenants = await client.call('pbxware.tenant.list', {}, { timeoutMs: 5000 });
   * const exts = await client.call('pbxware.ext.list', { server: '2' }, { timeoutMs: 5000, signal });
   */
  async call(action: PbxwareAction, params: Readonly<Record<string, string>>, options: PbxwareRequestOptions): Promise<unknown> {
    const signal = deadlineSignal(options.timeoutMs, options.signal);
    let body: string;
    try {
      const query = new URLSearchParams(this.#url.search);
      query.set('apikey', this.#apiKey);
      query.set('action', action);
      for (const [name, value] of Object.entries(params)) query.set(name, value);
      body = await this.#http.get({
        path: `${this.#url.pathname}?${query.toString()}`,
        headers: { accept: 'application/json' },
        kind: 'poll',
        timeoutMs: options.timeoutMs,
        signal,
      });
    } catch (err) {
      throw toPollError(err, { vendor: PBXWARE_VENDOR_NAME, signal });
    }
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      throw new PollError('parse', `${PBXWARE_VENDOR_NAME} answer to ${action} is not JSON`);
    }
    const refusal = vendorErrorText(data);
    if (refusal !== undefined) throw pbxwareErrorFromBody(this.redact(refusal), action);
    return data;
  }

  /** Closes the default Pool (an injected dispatcher belongs to its owner). */
  close(): Promise<void> {
    return this.#http.close();
  }
}
