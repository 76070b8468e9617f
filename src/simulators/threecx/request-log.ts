/**
 * Every HTTP request and websocket upgrade the simulator received, so tests can assert exactly
 * what the bridge sent and count requests (how many snapshots, which entity GETs).
 */

export interface ThreeCxLoggedRequest {
  /** ms timestamp when the request arrived. */
  readonly at: number;
  readonly method: string;
  /** Path as sent (segments still encoded). */
  readonly path: string;
  /** Parsed body: JSON, or the form fields of `/connect/token`. */
  body: unknown;
  /** A bearer token came with it (the token itself is not kept). */
  readonly hadToken: boolean;
  /** The HTTP status answered (101 for an accepted websocket). */
  status: number;
}

/** Enough for hours of demo traffic; the oldest entries go first. */
const DEFAULT_MAX_ENTRIES = 10_000;

export class RequestLog {
  readonly #entries: ThreeCxLoggedRequest[] = [];
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  record(entry: ThreeCxLoggedRequest): ThreeCxLoggedRequest {
    this.#entries.push(entry);
    if (this.#entries.length > this.#maxEntries) this.#entries.shift();
    return entry;
  }

  /** All entries, oldest first. */
  get entries(): readonly ThreeCxLoggedRequest[] {
    return [...this.#entries];
  }

  /** How many entries are logged (a mark for `since`). */
  get length(): number {
    return this.#entries.length;
  }

  /** Entries after `mark` (a previous `length`). */
  since(mark: number): ThreeCxLoggedRequest[] {
    return this.#entries.slice(mark);
  }

  /**
   * Entries whose method and path match.
   * @example sim.requests.filter('GET', '/callcontrol').length  // full snapshots read
   */
  filter(method?: string, path?: string | RegExp): ThreeCxLoggedRequest[] {
    return this.#entries.filter(
      (entry) =>
        (method === undefined || entry.method === method) &&
        (path === undefined || (typeof path === 'string' ? entry.path === path : path.test(entry.path))),
    );
  }

  count(method?: string, path?: string | RegExp): number {
    return this.filter(method, path).length;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
