/**
 * Every request the simulator received, so tests can assert what the bridge sent. The API key is
 * never kept: only whether one came and whether it was accepted.
 */

export interface PbxwareLoggedRequest {
  /** ms timestamp (the simulator's clock) when the request arrived. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** `action`, as sent ('' when absent). */
  readonly action: string;
  /** Query and form parameters without `apikey`. */
  readonly params: Readonly<Record<string, string>>;
  readonly withKey: boolean;
  readonly keyAccepted: boolean;
}

/** Enough for hours of demo polling; the oldest entries go first. */
const DEFAULT_MAX_ENTRIES = 10_000;

export class PbxwareRequestLog {
  readonly #entries: PbxwareLoggedRequest[] = [];
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  record(entry: PbxwareLoggedRequest): void {
    this.#entries.push(Object.freeze({ ...entry, params: Object.freeze({ ...entry.params }) }));
    if (this.#entries.length > this.#maxEntries) this.#entries.shift();
  }

  get entries(): readonly PbxwareLoggedRequest[] {
    return [...this.#entries];
  }

  /**
   * Entries of one action, or all.
   * @example sim.requests.filter('pbxware.cdr.download').map((r) => r.params.page)
   */
  filter(action?: string): PbxwareLoggedRequest[] {
    return this.#entries.filter((entry) => action === undefined || entry.action === action);
  }

  count(action?: string): number {
    return this.filter(action).length;
  }

  last(action?: string): PbxwareLoggedRequest | undefined {
    return this.filter(action).at(-1);
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
