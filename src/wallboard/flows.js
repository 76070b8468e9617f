/**
 * MiRTA flows (day/night switches and the like): a strip under the calls, read-only. Their
 * lamps (`blfs` with `kind: 'flow'`) are left out of the extension grid: a flow is not a phone.
 */
import { el, setData, setText } from './dom.js';
import { naturalCompare } from './format.js';
import { KeyedList } from './keyed-list.js';

/** MiRTA flow states as words: INUSE means the switch is on. */
const FLOW_WORDS = { INUSE: 'on', NOT_INUSE: 'off', UNAVAILABLE: 'unavailable', RINGING: 'ringing' };

export class FlowsView {
  #ctx;
  #list;

  /**
   * @param {HTMLElement} container
   * @param {import('./app.js').ViewContext} ctx
   */
  constructor(container, ctx) {
    this.#ctx = ctx;
    this.#list = new KeyedList(container, naturalCompare);
  }

  keys() {
    return this.#ctx.state.flows.keys();
  }

  /** @param {import('../client/types.ts').ChangeEvent} change */
  onChange(change) {
    if (change.topic === 'flows') this.#ctx.queue.mark(this, change.key);
  }

  /** @param {string} key */
  update(key) {
    const flow = this.#ctx.state.flows.get(key);
    if (!flow) {
      this.#list.remove(key);
      return;
    }
    const item = this.#list.upsert(key, key, () => {
      const row = { name: el('span.flow-name'), value: el('span.flow-value') };
      row.el = el('span.flow', { 'data-flow': key }, row.name, row.value);
      return row;
    });
    setText(item.name, flow.name ?? `Flow ${flow.number}`);
    // The value (e.g. `day`) says more than the lamp when the vendor gives one.
    setText(item.value, flow.value || FLOW_WORDS[flow.state] || flow.state);
    setData(item.el, 'state', flow.state);
    item.el.classList.toggle('stale', this.#ctx.health.isStale(flow.source));
  }
}
