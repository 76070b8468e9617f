/**
 * Walks a previous snapshot in the order a new sample lists its records. Vendors list records
 * in a stable order, so the record a poll asks for next is almost always the one after the
 * last: comparing one stored key (often the very same string) replaces hashing every freshly
 * parsed key and probing a map of 50,000 scattered entries (bench/diff.ts). Anything out of
 * order falls back to a position index, built on first need.
 *
 * One walk per pass: it remembers which previous entries the pass has matched ("claimed"),
 * which is what finds duplicates in the new sample and removals from the old one.
 */
export class PreviousWalk<V> {
  readonly #keys: string[];
  readonly #values: V[];
  readonly #claimed: Uint8Array;
  #positions: Map<string, number> | undefined;
  #at = 0;
  #claimedCount = 0;

  constructor(previous: ReadonlyMap<string, V>) {
    // Sized once, filled by forEach (no [key, value] pair allocated per entry).
    const keys: string[] = new Array<string>(previous.size);
    const values: V[] = new Array<V>(previous.size);
    let i = 0;
    previous.forEach((value, key) => {
      keys[i] = key;
      values[i] = value;
      i++;
    });
    this.#keys = keys;
    this.#values = values;
    this.#claimed = new Uint8Array(this.#keys.length);
  }

  get size(): number {
    return this.#keys.length;
  }

  /** The position the walk expects next, or -1 past the end. */
  get expected(): number {
    return this.#at < this.#keys.length ? this.#at : -1;
  }

  keyAt(position: number): string {
    const key = this.#keys[position];
    if (key === undefined) throw new RangeError(`no previous entry at ${position}`);
    return key;
  }

  valueAt(position: number): V {
    if (position < 0 || position >= this.#values.length) throw new RangeError(`no previous entry at ${position}`);
    return this.#values[position] as V;
  }

  /** Position of `key` in the previous snapshot, or -1. The walk carries on after it. */
  locate(key: string): number {
    const at = this.#at;
    const keys = this.#keys;
    let found: number;
    if (at < keys.length && keys[at] === key) found = at;
    // One entry gone since the last poll: the one after it is next.
    else if (at + 1 < keys.length && keys[at + 1] === key) found = at + 1;
    else found = this.#index().get(key) ?? -1;
    if (found >= 0) this.#at = found + 1;
    return found;
  }

  /** Marks a position as matched by this pass; false when it already was (a duplicate key). */
  claim(position: number): boolean {
    if (this.#claimed[position] === 1) return false;
    this.#claimed[position] = 1;
    this.#claimedCount++;
    if (position === this.#at) this.#at++;
    return true;
  }

  /** True once every previous entry has been matched: nothing was removed. */
  get complete(): boolean {
    return this.#claimedCount === this.#keys.length;
  }

  /** Previous entries this pass never matched, in their order. */
  unclaimed(): Array<[string, V]> {
    const out: Array<[string, V]> = [];
    for (let i = 0; i < this.#keys.length; i++) if (this.#claimed[i] === 0) out.push([this.#keys[i] as string, this.#values[i] as V]);
    return out;
  }

  #index(): Map<string, number> {
    if (this.#positions === undefined) {
      this.#positions = new Map();
      this.#keys.forEach((key, i) => this.#positions?.set(key, i));
    }
    return this.#positions;
  }
}
