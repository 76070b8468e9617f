import { PreviousWalk } from './previous-walk.js';

/**
 * A snapshot built in one pass: keys and entities in arrays, in the vendor's order, with the
 * key index built only if someone asks for one key. The diff never does (it walks), so an idle
 * poll of 50,000 records never hashes 50,000 keys into a map it throws away (bench/diff.ts).
 */
export class KeyedSnapshot<V> implements ReadonlyMap<string, V> {
  readonly #keys: string[];
  readonly #values: V[];
  #index: Map<string, V> | undefined;

  /** `keys` must be unique (the builder guarantees it); both arrays are taken, not copied. */
  constructor(keys: string[], values: V[]) {
    if (keys.length !== values.length) throw new RangeError(`KeyedSnapshot: ${keys.length} keys for ${values.length} values`);
    this.#keys = keys;
    this.#values = values;
  }

  get size(): number {
    return this.#keys.length;
  }

  get(key: string): V | undefined {
    return this.#map().get(key);
  }

  has(key: string): boolean {
    return this.#map().has(key);
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.#keys.length; i++) callback.call(thisArg, this.#values[i] as V, this.#keys[i] as string, this);
  }

  *entries(): MapIterator<[string, V]> {
    for (let i = 0; i < this.#keys.length; i++) yield [this.#keys[i] as string, this.#values[i] as V];
  }

  *keys(): MapIterator<string> {
    yield* this.#keys;
  }

  *values(): MapIterator<V> {
    yield* this.#values;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  #map(): Map<string, V> {
    if (this.#index === undefined) {
      const index = new Map<string, V>();
      for (let i = 0; i < this.#keys.length; i++) index.set(this.#keys[i] as string, this.#values[i] as V);
      this.#index = index;
    }
    return this.#index;
  }
}

/** How a sample's previous entities stand in for unchanged records. */
export interface Reuse<R> {
  /** True when the record is unchanged since `previous` was built from it. */
  same: (previous: unknown, record: R) => boolean;
  /**
   * True when the key is a function of what `same` compares, so an equal record has the
   * previous entity's key and need not be keyed at all (the idle poll's fast path).
   */
  keyFollows: boolean;
}

export interface BuildOptions<R, V> {
  /** The entity key of a record; undefined or '' skips the record. */
  keyOf: (record: R) => string | undefined;
  build: (record: R, key: string) => V;
  /** The source's entities before this sample. */
  previous?: ReadonlyMap<string, V> | undefined;
  reuse?: Reuse<R> | undefined;
}

/**
 * Records -> a keyed snapshot; the first record of a key wins (duplicates are a vendor glitch).
 * With `reuse`, an unchanged record yields the previous entity object itself, so the diff
 * skips it by identity.
 */
export function buildKeyedSnapshot<R, V>(records: readonly R[], options: BuildOptions<R, V>): KeyedSnapshot<V> {
  const { keyOf, build, reuse } = options;
  const keys: string[] = [];
  const values: V[] = [];
  const previous = options.previous;
  const walk = previous !== undefined && previous.size > 0 ? new PreviousWalk<V>(previous) : undefined;
  /** Keys of this sample that were not in `previous` (duplicates among them are dropped). */
  const added = new Set<string>();
  for (const record of records) {
    if (walk !== undefined && reuse?.keyFollows) {
      const expected = walk.expected;
      if (expected >= 0 && reuse.same(walk.valueAt(expected), record)) {
        if (walk.claim(expected)) {
          keys.push(walk.keyAt(expected));
          values.push(walk.valueAt(expected));
        }
        continue;
      }
    }
    const key = keyOf(record);
    if (key === undefined || key === '') continue;
    const position = walk?.locate(key) ?? -1;
    if (position >= 0) {
      // `walk` is defined whenever a position was found.
      if (!walk?.claim(position)) continue;
      const before = walk.valueAt(position);
      keys.push(walk.keyAt(position));
      values.push(reuse?.same(before, record) ? before : build(record, key));
      continue;
    }
    if (added.has(key)) continue;
    added.add(key);
    keys.push(key);
    values.push(build(record, key));
  }
  return new KeyedSnapshot(keys, values);
}
