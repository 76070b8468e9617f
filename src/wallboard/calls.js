/**
 * Active calls. The `channels` topic holds call *legs*; people think in calls, so legs are
 * grouped: by `linkedId` when the vendor gives one (MiRTA: Asterisk's linkedid, shared by every
 * leg of a call, transfers included), else by the `linkedKey` pair (Kazoo). A leg alone (a caller
 * waiting in a queue) is a call of its own.
 */
import { peerIs } from './blf-grid.js';
import { el, setAttr, setData, setText } from './dom.js';
import { epoch, phone } from './format.js';
import { KeyedList } from './keyed-list.js';

const DIRECTION = {
  inbound: ['↘', 'Inbound'],
  outbound: ['↗', 'Outbound'],
  internal: ['↔', 'Internal'],
};
/** A call's state is its most advanced leg's. */
const STATE_ORDER = ['held', 'up', 'ringing', 'dialing', 'down'];
const STATE_WORDS = { held: 'On hold', up: 'Talking', ringing: 'Ringing', dialing: 'Dialing', down: 'Ending' };

/** @param {import('../client/index.ts').Channel} leg */
function groupOf(leg) {
  if (typeof leg.linkedId === 'string' && leg.linkedId !== '') return `id:${leg.source}:${leg.linkedId}`;
  if (leg.linkedKey) return `pair:${[leg.channel, leg.linkedKey].sort().join('|')}`;
  return `leg:${leg.channel}`;
}

/**
 * The leg that placed the call: Asterisk's originating channel has uniqueid = linkedid; else the
 * leg that is not on the callee's phone.
 */
function callerLeg(legs) {
  return (
    legs.find((l) => l.uniqueId !== undefined && l.uniqueId === l.linkedId) ??
    legs.find((l) => !peerIs(l.peer, l.calleeNumber)) ??
    legs[0]
  );
}

export class CallsView {
  #ctx;
  #list;
  /** channel key -> group id */
  #groupOf = new Map();
  /** @type {Map<string, Set<string>>} group id -> channel keys */
  #groups = new Map();
  #count;
  #empty;

  /**
   * @param {HTMLElement} container
   * @param {import('./app.js').ViewContext} ctx
   */
  constructor(container, ctx) {
    this.#ctx = ctx;
    // Oldest call first: the one that has waited longest is the one to look at.
    this.#list = new KeyedList(container, (a, b) => a - b);
    this.#count = document.getElementById('calls-count');
    this.#empty = document.querySelector('[data-empty-for="calls"]');
  }

  keys() {
    return this.#groups.keys();
  }

  /** @param {import('../client/types.ts').ChangeEvent} change */
  onChange(change) {
    if (change.topic === 'extensions') {
      // A name shown in a call may have changed: few calls, cheap to redo.
      for (const id of this.#groups.keys()) this.#ctx.queue.mark(this, id);
      return;
    }
    if (change.topic !== 'channels') return;
    const before = this.#groupOf.get(change.key);
    const after = change.removed ? undefined : groupOf(change.entity);
    if (before !== undefined && before !== after) {
      this.#groups.get(before)?.delete(change.key);
      this.#ctx.queue.mark(this, before);
    }
    if (after === undefined) this.#groupOf.delete(change.key);
    else {
      this.#groupOf.set(change.key, after);
      let set = this.#groups.get(after);
      if (!set) this.#groups.set(after, (set = new Set()));
      set.add(change.key);
      this.#ctx.queue.mark(this, after);
    }
  }

  /**
   * A call as the commands UI needs it.
   * @param {string} id
   */
  call(id) {
    const legs = [...(this.#groups.get(id) ?? [])].flatMap((key) => this.#ctx.state.channels.get(key) ?? []);
    if (legs.length === 0) return undefined;
    legs.sort((a, b) => (epoch(a.startedAt) ?? 0) - (epoch(b.startedAt) ?? 0) || (a.channel < b.channel ? -1 : 1));
    const caller = callerLeg(legs);
    const state = STATE_ORDER.find((s) => legs.some((l) => l.state === s)) ?? 'up';
    const answered = legs.map((l) => epoch(l.answeredAt)).filter((t) => t !== undefined);
    return {
      id,
      legs,
      caller,
      state,
      source: caller.source,
      startedAt: Math.min(...legs.map((l) => epoch(l.startedAt) ?? Date.now())),
      answeredAt: answered.length > 0 ? Math.min(...answered) : undefined,
      // Transfer moves the other party: the leg that is not one of our extensions (the outside
      // caller), else the caller. Hang up ends the call through its caller leg.
      transferLeg: legs.find((l) => this.#ctx.grid.numberOfPeer(l.peer) === undefined) ?? caller,
    };
  }

  /** @param {string} id */
  update(id) {
    const call = this.call(id);
    if (!call) {
      const row = this.#list.get(id);
      if (row) this.#ctx.ticker.delete(row.timer);
      this.#list.remove(id);
      this.#groups.delete(id);
      return;
    }
    const row = this.#list.upsert(id, call.startedAt, () => this.#create(id, call));
    this.#patch(row, call);
  }

  afterBatch() {
    setText(this.#count, this.#list.size > 0 ? String(this.#list.size) : '');
    this.#empty.hidden = this.#list.size > 0;
  }

  #create(id, call) {
    const { perms } = this.#ctx;
    const row = {
      dir: el('span.dir'),
      from: el('span.from'),
      fromNumber: el('small.number'),
      to: el('span.to'),
      toNumber: el('small.number'),
      state: el('span.call-state'),
      timer: el('span.timer'),
      src: el('span.src'),
      stale: el('span.stale-tag', { hidden: true }, 'stale'),
    };
    const actions = el('span.actions');
    if (perms.can('transfer', call.source)) actions.append(el('button.action', { type: 'button', 'data-action': 'transfer' }, 'Transfer'));
    if (perms.can('hangup', call.source)) actions.append(el('button.action.danger', { type: 'button', 'data-action': 'hangup' }, 'Hang up'));
    row.el = el(
      'li.call',
      { 'data-call': id, draggable: perms.can('transfer', call.source) ? 'true' : undefined },
      row.dir,
      el('div.parties', {}, el('div.party-line', {}, row.from, row.fromNumber), el('div.party-line.callee', {}, el('span.arrow', {}, '→ '), row.to, row.toNumber)),
      el('div.call-meta', {}, row.state, row.timer),
      el('div.call-tail', {}, row.src, row.stale, actions),
    );
    return row;
  }

  #patch(row, call) {
    const { state, ticker, health } = this.#ctx;
    const leg = call.caller;
    const [arrow, words] = DIRECTION[leg.direction] ?? ['•', 'Call'];
    setText(row.dir, arrow);
    setAttr(row.dir, 'title', words);
    setData(row.el, 'direction', leg.direction ?? 'unknown');
    setData(row.el, 'state', call.state);

    const fromExt = leg.callerNumber === undefined ? undefined : state.extensions.get(leg.callerNumber);
    const fromName = leg.callerName ?? fromExt?.name;
    setText(row.from, fromName ?? phone(leg.callerNumber) ?? 'Unknown caller');
    setText(row.fromNumber, fromName ? phone(leg.callerNumber) : '');
    // Who has the call now: the leg on one of our phones, else the number dialled.
    const handler = call.legs.find((l) => l !== leg && this.#ctx.grid.numberOfPeer(l.peer) !== undefined);
    const toNumber = handler ? this.#ctx.grid.numberOfPeer(handler.peer) : leg.calleeNumber;
    const toName = (toNumber === undefined ? undefined : state.extensions.get(toNumber)?.name) ?? leg.calleeName;
    setText(row.to, toName ?? phone(toNumber) ?? '—');
    setText(row.toNumber, toName ? (toNumber ?? '') : '');

    setText(row.state, STATE_WORDS[call.state] ?? call.state);
    ticker.set(row.timer, call.answeredAt ?? call.startedAt);
    setText(row.src, leg.source);
    const stale = health.isStale(leg.source);
    row.el.classList.toggle('stale', stale);
    row.stale.hidden = !stale;
  }
}
