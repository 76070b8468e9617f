/**
 * Every request the simulator received, so tests can assert exactly what the bridge sent
 * (parameters, method, how often each reqtype was polled).
 */

export interface LoggedRequest {
  /** ms timestamp (the simulator's clock) when the request arrived. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** Query parameters; a repeated name keeps its last value, as PHP's `$_GET` does. */
  readonly query: Readonly<Record<string, string>>;
  /** Raw request body (POST forms), '' for GET. */
  readonly body: string;
  /** `reqtype` upper-cased, '' when absent. */
  readonly reqtype: string;
}

/** Enough for hours of demo polling; the oldest entries go first. */
const DEFAULT_MAX_ENTRIES = 10_000;

export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  record(entry: LoggedRequest): void {
    this.#entries.push(Object.freeze({ ...entry, query: Object.freeze({ ...entry.query }) }));
    if (this.#entries.length > this.#maxEntries) this.#entries.shift();
  }

  /** All entries, oldest first. */
  get entries(): readonly LoggedRequest[] {
    return [...this.#entries];
  }

  /**
   * Entries of one reqtype (case-insensitive), or all.
   * @example sim.requests.filter('channels').every((r) => r.query.nodename === 'pbx21')
   */
  filter(reqtype?: string): LoggedRequest[] {
    const wanted = reqtype?.toUpperCase();
    return this.#entries.filter((entry) => wanted === undefined || entry.reqtype === wanted);
  }

  /** How many requests (of one reqtype) arrived. */
  count(reqtype?: string): number {
    return this.filter(reqtype).length;
  }

  /** The most recent request (of one reqtype). */
  last(reqtype?: string): LoggedRequest | undefined {
    return this.filter(reqtype).at(-1);
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
