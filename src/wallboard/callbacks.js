/**
 * Website callbacks (WebAppel, the public click-to-call button): a strip of the most recent
 * ones under the calls, newest first, each with its state as `callback.updated` events move it
 * (`requested` -> ... -> `completed` / `failed` / `cancelled`). Read-only.
 */
import { el, setData, setText } from './dom.js';
import { KeyedList } from './keyed-list.js';

/** Older callbacks leave the strip: it shows what is happening, not the day's history. */
export const MAX_CALLBACKS_SHOWN = 8;

const STATE_WORDS = {
  requested: 'requested',
  calling: 'calling',
  connected: 'connected',
  completed: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Newest first: the sort key is the request time, compared in reverse. */
const newestFirst = (a, b) => (a < b ? 1 : a > b ? -1 : 0);

export class CallbacksView {
  #ctx;
  #list;

  /**
   * @param {HTMLElement} container
   * @param {import('./app.js').ViewContext} ctx
   */
  constructor(container, ctx) {
    this.#ctx = ctx;
    this.#list = new KeyedList(container, newestFirst);
  }

  keys() {
    return this.#ctx.state.callbacks.keys();
  }

  /** @param {import('../client/types.ts').ChangeEvent} change */
  onChange(change) {
    if (change.topic === 'callbacks') this.#ctx.queue.mark(this, change.key);
  }

  /** @param {string} key */
  update(key) {
    const callback = this.#ctx.state.callbacks.get(key);
    if (!callback) {
      this.#list.remove(key);
      return;
    }
    const item = this.#list.upsert(key, callback.requestedAt ?? callback.observedAt ?? '', () => {
      const row = { who: el('span.callback-who'), state: el('span.callback-state') };
      row.el = el('span.callback', { 'data-callback': key }, row.who, row.state);
      return row;
    });
    setText(item.who, callback.name ? `${callback.name} · +${callback.number}` : `+${callback.number}`);
    setText(item.state, STATE_WORDS[callback.state] ?? callback.state);
    item.el.title = callback.reason ? `${callback.state}: ${callback.reason}` : callback.state;
    setData(item.el, 'state', callback.state);
    item.el.classList.toggle('stale', this.#ctx.health.isStale(callback.source));
    this.#trim();
  }

  #trim() {
    const keys = [...this.#list.keys()];
    if (keys.length <= MAX_CALLBACKS_SHOWN) return;
    const shown = keys
      .map((key) => ({ key, at: this.#ctx.state.callbacks.get(key)?.requestedAt ?? '' }))
      .sort((a, b) => newestFirst(a.at, b.at));
    for (const { key } of shown.slice(MAX_CALLBACKS_SHOWN)) this.#list.remove(key);
  }
}
