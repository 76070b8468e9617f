/**
 * The busy-lamp grid: one cell per extension of the tenant, showing what a receptionist needs at
 * a glance — idle / ringing / in use / on hold / offline — and, during a call, the other party
 * and a running timer. A cell joins four topics: `extensions` (number, name), `blfs` (the lamp,
 * keyed by hint, e.g. `100-DEMO`), `peers` (registration, keyed by the same SIP name) and
 * `channels` (legs whose `peer` is that name). Flow lamps (`kind: 'flow'`) are not phones: the
 * flows strip shows them.
 */
import { el, setAttr, setData, setText } from './dom.js';
import { epoch, naturalCompare, phone } from './format.js';
import { KeyedList } from './keyed-list.js';

/** Above this many cells the grid drops the name line; above the next, to number + lamp. */
const DENSE_FROM = 80;
const COMPACT_FROM = 300;

/** Lamp state -> [display state, words]. An unknown lamp is not "idle". */
const LAMP = {
  idle: ['idle', 'Idle'],
  inuse: ['inuse', 'In use'],
  busy: ['inuse', 'Busy'],
  ringing: ['ringing', 'Ringing'],
  onhold: ['onhold', 'On hold'],
  unavailable: ['offline', 'Unavailable'],
  unknown: ['unknown', 'Unknown'],
};
/** What a leg says when the lamp lags behind the channels poll. */
const LEG = { ringing: ['ringing', 'Ringing'], dialing: ['ringing', 'Dialing'], up: ['inuse', 'On a call'], held: ['onhold', 'On hold'] };
/** Which leg a cell shows when it has several: the one in conversation first. */
const LEG_RANK = { up: 0, held: 1, ringing: 2, dialing: 3, down: 4 };

/** `100-DEMO` -> `100`-style token match: is `number` one of the peer name's parts? */
export function peerIs(peer, number) {
  return typeof peer === 'string' && typeof number === 'string' && number !== '' && peer.split(/[-_/@.]/).includes(number);
}

export class BlfGrid {
  #ctx;
  #list;
  #container;
  /** extension number -> blf key (the hint) */
  #blfByNumber = new Map();
  /** blf key / peer name -> extension number */
  #numberByHint = new Map();
  /** @type {Map<string, Set<string>>} peer name -> channel keys on it */
  #channelsByPeer = new Map();
  #count;
  #empty;

  /**
   * @param {HTMLElement} container
   * @param {import('./app.js').ViewContext} ctx
   */
  constructor(container, ctx) {
    this.#ctx = ctx;
    this.#container = container;
    this.#list = new KeyedList(container, naturalCompare);
    this.#count = document.getElementById('extensions-count');
    this.#empty = document.querySelector('[data-empty-for="extensions"]');
  }

  *keys() {
    yield* this.#ctx.state.extensions.keys();
    for (const number of this.#blfByNumber.keys()) if (!this.#ctx.state.extensions.has(number)) yield number;
  }

  /** The extension number a peer / hint belongs to. */
  numberOfPeer(peer) {
    if (peer === undefined) return undefined;
    return this.#numberByHint.get(peer) ?? (this.#ctx.state.extensions.has(peer) ? peer : undefined);
  }

  /** @param {import('../client/types.ts').ChangeEvent} change */
  onChange(change) {
    const { queue } = this.#ctx;
    switch (change.topic) {
      case 'extensions':
        queue.mark(this, change.key);
        break;
      case 'blfs': {
        if (change.entity.kind === 'flow') break;
        const number = change.entity.extension;
        if (change.removed) {
          this.#blfByNumber.delete(number);
          this.#numberByHint.delete(change.key);
        } else {
          this.#blfByNumber.set(number, change.key);
          this.#numberByHint.set(change.key, number);
        }
        queue.mark(this, number);
        break;
      }
      case 'peers':
        queue.mark(this, this.numberOfPeer(change.key));
        break;
      case 'channels':
        this.#indexLeg(change);
        queue.mark(this, this.numberOfPeer(change.entity.peer));
        if (change.previous?.peer !== change.entity.peer) queue.mark(this, this.numberOfPeer(change.previous?.peer));
        break;
      default:
    }
  }

  #indexLeg(change) {
    const before = change.previous?.peer;
    const after = change.removed ? undefined : change.entity.peer;
    if (before !== undefined && before !== after) this.#unindex(before, change.key);
    if (change.removed && change.entity.peer !== undefined) this.#unindex(change.entity.peer, change.key);
    if (after !== undefined) {
      let set = this.#channelsByPeer.get(after);
      if (!set) this.#channelsByPeer.set(after, (set = new Set()));
      set.add(change.key);
    }
  }

  #unindex(peer, key) {
    const set = this.#channelsByPeer.get(peer);
    if (!set) return;
    set.delete(key);
    if (set.size === 0) this.#channelsByPeer.delete(peer);
  }

  /**
   * What a cell is made of, for the view and the commands UI.
   * @param {string} number
   */
  cell(number) {
    const { state } = this.#ctx;
    const ext = state.extensions.get(number);
    const hint = this.#blfByNumber.get(number);
    const blf = hint === undefined ? undefined : state.blfs.get(hint);
    const peer = state.peers.get(hint ?? number);
    const legs = [...(this.#channelsByPeer.get(hint ?? number) ?? [])].flatMap((key) => state.channels.get(key) ?? []);
    legs.sort((a, b) => (LEG_RANK[a.state] ?? 9) - (LEG_RANK[b.state] ?? 9));
    return { number, ext, blf, peer, leg: legs[0], source: ext?.source ?? blf?.source ?? peer?.source };
  }

  /** @param {string} number */
  update(number) {
    const cell = this.cell(number);
    if (!cell.ext && !cell.blf) {
      const gone = this.#list.get(number);
      if (gone) this.#ctx.ticker.delete(gone.timer);
      this.#list.remove(number);
      return;
    }
    const item = this.#list.upsert(number, number, () => this.#create(number));
    this.#patch(item, cell);
  }

  afterBatch() {
    const size = this.#list.size;
    setText(this.#count, size > 0 ? String(size) : '');
    this.#empty.hidden = size > 0;
    setData(this.#container, 'density', size >= COMPACT_FROM ? 'compact' : size >= DENSE_FROM ? 'dense' : 'roomy');
  }

  #create(number) {
    const interactive = this.#ctx.perms.any('dial') || this.#ctx.perms.any('hangup') || this.#ctx.perms.any('transfer');
    const item = {
      num: el('span.ext-num', {}, number),
      word: el('span.cell-state'),
      reg: el('span.reg', { 'aria-hidden': 'true' }),
      name: el('span.ext-name'),
      party: el('span.party'),
      timer: el('span.timer'),
      stale: el('span.stale-tag', { hidden: true }, 'stale'),
    };
    item.el = el(
      'div.cell',
      { 'data-ext': number, role: interactive ? 'button' : undefined, tabindex: interactive ? '0' : undefined },
      el('div.cell-top', {}, item.num, item.reg, item.word),
      item.name,
      el('div.cell-call', {}, item.party, item.timer),
      item.stale,
    );
    return item;
  }

  #patch(item, { number, ext, blf, peer, leg, source }) {
    const { perms, health, ticker } = this.#ctx;
    const [state, words] = this.#lamp(ext, blf, peer, leg, number);
    setData(item.el, 'state', state);
    setText(item.word, words);
    setText(item.name, ext?.name ?? '');
    setData(item.reg, 'reg', peer?.status ?? 'unknown');
    setAttr(item.reg, 'title', peer ? `SIP ${peer.status}${peer.latencyMs === undefined ? '' : `, ${peer.latencyMs} ms`}` : 'no registration data');

    const party = leg ? this.#party(leg, number) : undefined;
    setText(item.party, party ?? '');
    if (leg) ticker.set(item.timer, epoch(leg.answeredAt) ?? epoch(leg.startedAt));
    else {
      ticker.delete(item.timer);
      setText(item.timer, '');
    }
    setAttr(item.el, 'draggable', leg && perms.can('transfer', leg.source) ? 'true' : undefined);
    setAttr(item.el, 'aria-label', `Extension ${number}${ext?.name ? ` ${ext.name}` : ''}: ${words}${party ? `, ${party}` : ''}`);

    const stale = source !== undefined && health.isStale(source);
    item.el.classList.toggle('stale', stale);
    item.stale.hidden = !stale;
  }

  /** The cell's display state; registration first: an unregistered phone is never "idle". */
  #lamp(ext, blf, peer, leg, number) {
    if (ext?.enabled === false) return ['disabled', 'Disabled'];
    if (peer?.status === 'unregistered') return ['offline', 'Offline'];
    if (peer?.status === 'unreachable') return ['offline', 'Unreachable'];
    const lamp = LAMP[blf?.state ?? 'unknown'] ?? LAMP.unknown;
    // Lamps and channels are polled apart: trust the leg while the lamp still says idle.
    if (leg && (lamp[0] === 'idle' || lamp[0] === 'unknown')) return LEG[leg.state] ?? lamp;
    if (lamp[0] === 'inuse' && leg && !leg.answeredAt && leg.callerNumber === number) return ['inuse', 'Calling'];
    return lamp;
  }

  /** `← Yuki Tanaka` (they called us) or `→ 101 Alice Martin` (we called them). */
  #party(leg, number) {
    const outgoing = leg.callerNumber === number || peerIs(leg.peer, leg.callerNumber);
    const otherNumber = outgoing ? leg.calleeNumber : leg.callerNumber;
    const otherName = outgoing ? leg.calleeName : leg.callerName;
    const internal = otherNumber === undefined ? undefined : this.#ctx.state.extensions.get(otherNumber);
    const label = internal ? `${otherNumber} ${internal.name ?? ''}`.trim() : (otherName ?? phone(otherNumber) ?? '');
    return `${outgoing ? '→' : '←'} ${label || 'unknown'}`;
  }
}
