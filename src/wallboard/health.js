/**
 * Connection and source health: a chip per source in the top bar, a banner when the page or a
 * source is not current, and `isStale(source)` for the views, which mark that source's data.
 */
import { byId, el, setAttr, setData, setHidden, setText } from './dom.js';
import { ago, clock, epoch } from './format.js';

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  resyncing: 'Catching up…',
  live: 'Live',
  offline: 'Offline',
};
const VENDOR_NAMES = { mirta: 'MiRTA', kazoo: 'Kazoo', webappel: 'WebAppel', xivo: 'XiVO', pbxware: 'PBXware', '3cx': '3CX' };

export class Health {
  #chips = byId('sources');
  #connection = byId('connection');
  #banner = byId('banner');
  /** @type {Set<string>} sources whose data is not current */
  #stale = new Set();
  #tenant = '';
  /** @type {(sources: Set<string>) => void} */
  #onStaleChange;

  /** @param {(changed: Set<string>) => void} onStaleChange called with the sources whose staleness flipped */
  constructor(onStaleChange) {
    this.#onStaleChange = onStaleChange;
  }

  /** @param {string} tenant */
  setTenant(tenant) {
    this.#tenant = tenant;
  }

  /**
   * Data of `source` is not current: its source is degraded or down. (When the page itself is
   * offline, `body.offline` dims the whole board instead of marking every node.)
   */
  isStale(source) {
    return this.#stale.has(source);
  }

  /**
   * @param {import('../client/types.ts').ClientStatus} status
   */
  update(status) {
    const sources = status.sources.filter((s) => s.tenant === this.#tenant);
    const retrying = status.state === 'offline' && status.retrying;
    setData(this.#connection, 'state', retrying ? 'reconnecting' : status.state);
    setText(this.#connection, retrying ? 'Reconnecting…' : CONNECTION_TEXT[status.state]);
    document.body.classList.toggle('offline', status.state === 'offline');

    const stale = new Set(sources.filter((s) => s.status === 'degraded' || s.status === 'down').map((s) => s.id));
    const flipped = new Set([...stale].filter((id) => !this.#stale.has(id)).concat([...this.#stale].filter((id) => !stale.has(id))));
    this.#stale = stale;

    this.#chips.replaceChildren(...sources.map((s) => this.#chip(s)));
    this.#renderBanner(status, sources);
    if (flipped.size > 0) this.#onStaleChange(flipped);
  }

  #chip(source) {
    const vendor = VENDOR_NAMES[source.vendor] ?? source.vendor;
    const lastOk = epoch(source.lastOkAt);
    const title = [
      `${source.id} (${vendor}): ${source.status}`,
      lastOk === undefined ? '' : `last answer ${clock(lastOk, true)}`,
      source.lastError ? `error: ${source.lastError}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    const chip = el('span.chip', { 'data-source': source.id, title }, el('span.dot', { 'aria-hidden': 'true' }), el('span.chip-name', {}, source.id));
    setData(chip, 'status', source.status);
    if (source.status !== 'up') chip.append(el('span.chip-status', {}, source.status));
    return chip;
  }

  #renderBanner(status, sources) {
    const lines = [];
    if (status.state === 'offline') {
      lines.push(
        status.retrying
          ? 'Connection to the bridge lost — reconnecting. The board shows the last known state.'
          : 'Not connected to the bridge.',
      );
    }
    for (const s of sources) {
      if (s.status !== 'degraded' && s.status !== 'down') continue;
      const lastOk = epoch(s.lastOkAt);
      const since = lastOk === undefined ? '' : ` — last answer ${ago(lastOk)}`;
      const why = s.lastError ? `: ${s.lastError}` : '';
      lines.push(`${s.id} is ${s.status}${since}${why}. Its data is marked stale.`);
    }
    setHidden(this.#banner, lines.length === 0);
    setAttr(this.#banner, 'data-level', status.state === 'offline' || sources.some((s) => s.status === 'down') ? 'error' : 'warn');
    setText(this.#banner, lines.join('\n'));
  }
}
