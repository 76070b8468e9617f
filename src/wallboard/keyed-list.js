/**
 * Keyed DOM nodes in a container, kept in a sort order. Each entity has one node for its
 * lifetime: updates patch it in place, and only a change of sort position moves it, so the
 * browser restyles one node, not the list.
 */

export class KeyedList {
  /** key -> item (`{ el, sort, ...the view's own node references }`) */
  #items = new Map();
  /** @type {string[]} keys in display order */
  #order = [];
  #container;
  #compare;

  /**
   * @param {HTMLElement} container
   * @param {(a: unknown, b: unknown) => number} compare compares two sort values
   */
  constructor(container, compare) {
    this.#container = container;
    this.#compare = compare;
  }

  get size() {
    return this.#items.size;
  }

  /** @param {string} key */
  get(key) {
    return this.#items.get(key);
  }

  keys() {
    return this.#items.keys();
  }

  values() {
    return this.#items.values();
  }

  /**
   * The item for `key`, created with `create()` and inserted in order if new, moved if its sort
   * value changed.
   * @template {{ el: HTMLElement }} T
   * @param {string} key
   * @param {unknown} sort
   * @param {() => T} create
   * @returns {T & { sort: unknown }}
   * @example const row = list.upsert(call.id, call.startedAt, () => ({ el: el('li') }));
   */
  upsert(key, sort, create) {
    let item = this.#items.get(key);
    if (item && this.#compare(item.sort, sort) === 0) return item;
    if (item) this.#unlink(key, item.sort);
    else {
      item = create();
      this.#items.set(key, item);
    }
    item.sort = sort;
    const index = this.#position(key, sort);
    this.#order.splice(index, 0, key);
    const next = this.#order[index + 1];
    this.#container.insertBefore(item.el, next === undefined ? null : this.#items.get(next).el);
    return item;
  }

  /** @param {string} key @returns {boolean} whether it was there */
  remove(key) {
    const item = this.#items.get(key);
    if (!item) return false;
    this.#unlink(key, item.sort);
    this.#items.delete(key);
    item.el.remove();
    return true;
  }

  clear() {
    this.#items.clear();
    this.#order = [];
    this.#container.replaceChildren();
  }

  /** Binary search over the order: the index where `sort` (with `key` as tie-break) goes. */
  #position(key, sort) {
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.#order[mid];
      const c = this.#compare(this.#items.get(other).sort, sort) || (other < key ? -1 : other > key ? 1 : 0);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #unlink(key, sort) {
    const index = this.#position(key, sort);
    if (this.#order[index] === key) this.#order.splice(index, 1);
    else this.#order.splice(this.#order.indexOf(key), 1);
  }
}
