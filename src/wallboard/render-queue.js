/**
 * Frame-batched rendering. State changes only *mark* keys dirty; the DOM is touched once per
 * animation frame, for each dirty key once, however many events touched it. A frame stops after
 * a time budget and the rest waits for the next frame, so a snapshot of 1,000 extensions or a
 * burst of 400 channel events never blocks the page for more than a few milliseconds.
 */

/** DOM work per frame; the browser needs the rest of the 16.7 ms for style, layout and paint. */
const FRAME_BUDGET_MS = 6;
/** Checking the clock costs too: look at it every few items. */
const CLOCK_EVERY = 8;

/**
 * @typedef {object} View
 * @property {(key: string) => void} update  Brings the DOM for `key` in line with the state (creates, patches or removes).
 * @property {() => Iterable<string>} keys   Every key the view shows or should show (for a full re-render).
 * @property {() => void} [afterBatch]       Cheap work after a frame's updates (counts, empty states).
 */

export class RenderQueue {
  /** @type {Map<View, Set<string>>} */
  #dirty = new Map();
  #scheduled = false;
  /** Frames that ran, and the longest one's DOM work in ms (shown to tests and in the footer's title). */
  stats = { frames: 0, longestMs: 0, updates: 0 };

  /**
   * @param {View} view
   * @param {string | undefined} key
   * @example queue.mark(grid, '101')
   */
  mark(view, key) {
    if (key === undefined) return;
    let keys = this.#dirty.get(view);
    if (!keys) this.#dirty.set(view, (keys = new Set()));
    keys.add(key);
    this.#schedule();
  }

  /** Marks every key of `view` (a source's health changed, the tenant changed). */
  markAll(view) {
    for (const key of view.keys()) this.mark(view, key);
  }

  /** True while work is waiting (tests wait for a quiet page). */
  get busy() {
    return this.#scheduled;
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => this.#frame());
  }

  #frame() {
    this.#scheduled = false;
    const started = performance.now();
    const deadline = started + FRAME_BUDGET_MS;
    let count = 0;
    let out = false;
    for (const [view, keys] of this.#dirty) {
      for (const key of keys) {
        keys.delete(key);
        view.update(key);
        count += 1;
        if (count % CLOCK_EVERY === 0 && performance.now() > deadline) {
          out = true;
          break;
        }
      }
      if (keys.size === 0) this.#dirty.delete(view);
      view.afterBatch?.();
      if (out) break;
    }
    const spent = performance.now() - started;
    this.stats.frames += 1;
    this.stats.updates += count;
    this.stats.longestMs = Math.max(this.stats.longestMs, spent);
    if (this.#dirty.size > 0) this.#schedule();
  }
}
