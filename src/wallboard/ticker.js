/**
 * Running timers (call durations, pause times, queue waits): one interval for the whole page,
 * writing, inside an animation frame, only the timers on screen. With 200 calls most timers are
 * scrolled out of view; rewriting all 600 every second cost a 30 ms frame each second on a
 * software-rendered wall PC. An IntersectionObserver says which are visible; a timer that comes
 * into view is brought up to date at once.
 */
import { duration } from './format.js';

const TICK_MS = 1000;
/** Every this many ticks, timers whose node left the document (off screen) are dropped. */
const SWEEP_EVERY = 60;

export class Ticker {
  /** @type {Map<Element, { from: number, prefix: string }>} */
  #timers = new Map();
  /** @type {Set<Element>} */
  #visible = new Set();
  #interval;
  #observer;
  #ticks = 0;

  constructor() {
    this.#observer = new IntersectionObserver((entries) => {
      const now = Date.now();
      for (const entry of entries) {
        if (!entry.isIntersecting) {
          this.#visible.delete(entry.target);
          continue;
        }
        this.#visible.add(entry.target);
        const timer = this.#timers.get(entry.target);
        if (timer) this.#write(entry.target, timer, now);
      }
    });
    this.#interval = setInterval(() => requestAnimationFrame(() => this.#tick()), TICK_MS);
  }

  /**
   * Shows `prefix + duration since from` in `node`, now and every second while visible;
   * `from` undefined stops it.
   * @param {Element} node
   * @param {number | undefined} from ms since the epoch
   * @param {string} [prefix]
   */
  set(node, from, prefix = '') {
    if (from === undefined) {
      this.delete(node);
      return;
    }
    const timer = { from, prefix };
    if (!this.#timers.has(node)) this.#observer.observe(node);
    this.#timers.set(node, timer);
    this.#write(node, timer, Date.now());
  }

  /** Stops the timer of a node (its row went away, or its call ended). */
  delete(node) {
    if (!this.#timers.delete(node)) return;
    this.#observer.unobserve(node);
    this.#visible.delete(node);
  }

  /** How many timers run, and how many are on screen (diagnostics). */
  get counts() {
    return { timers: this.#timers.size, visible: this.#visible.size };
  }

  stop() {
    clearInterval(this.#interval);
    this.#observer.disconnect();
    this.#timers.clear();
    this.#visible.clear();
  }

  #tick() {
    if (++this.#ticks % SWEEP_EVERY === 0) {
      for (const node of this.#timers.keys()) if (!node.isConnected) this.delete(node);
    }
    const now = Date.now();
    for (const node of this.#visible) {
      const timer = this.#timers.get(node);
      // A node that left the document lost its row: forget it instead of leaking it.
      if (!timer || !node.isConnected) this.delete(node);
      else this.#write(node, timer, now);
    }
  }

  #write(node, timer, now) {
    const text = timer.prefix + duration(now - timer.from);
    if (node.textContent !== text) node.textContent = text;
  }
}
