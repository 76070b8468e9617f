/**
 * Queues and their agents: one card per queue with its three numbers (waiting callers, longest
 * wait, agents available) and its agents below, each with a pause / resume control.
 *
 * The protocol says *whether* an agent is paused, not since when; the page keeps the time of
 * the event that paused it. An agent already paused when the page loaded shows "before <time>".
 */
import { el, setAttr, setData, setHidden, setText } from './dom.js';
import { clock, epoch, naturalCompare, shortId } from './format.js';
import { KeyedList } from './keyed-list.js';

const STATUS_WORDS = { available: 'Available', busy: 'On a call', paused: 'Paused', unavailable: 'Logged out' };
/** Waiting callers at or above this turn the number red. */
const WAITING_ALARM = 3;

export class AgentsView {
  #ctx;
  /** Queue cards, by queue key. */
  #cards;
  /** @type {Map<string, Set<string>>} queue key -> agent keys */
  #members = new Map();
  /** agent key -> { at: ms, known: boolean } when its status last changed */
  #since = new Map();
  #loadedAt = Date.now();
  /** agent keys with a command on its way: their button waits */
  pending = new Set();
  #count;
  #empty;

  /**
   * @param {HTMLElement} container
   * @param {import('./app.js').ViewContext} ctx
   */
  constructor(container, ctx) {
    this.#ctx = ctx;
    this.#cards = new KeyedList(container, naturalCompare);
    this.#count = document.getElementById('queues-count');
    this.#empty = document.querySelector('[data-empty-for="queues"]');
  }

  /** Keys are `q:<queue>` for cards and `a:<queue/agent>` for agents. */
  *keys() {
    for (const queue of this.#members.keys()) yield `q:${queue}`;
    for (const key of this.#ctx.state.agents.keys()) yield `a:${key}`;
  }

  /** @param {import('../client/types.ts').ChangeEvent} change */
  onChange(change) {
    const { queue } = this.#ctx;
    if (change.topic === 'queues') queue.mark(this, `q:${change.key}`);
    else if (change.topic === 'agents') {
      const agent = change.entity;
      if (change.removed) this.#members.get(agent.queue)?.delete(change.key);
      else {
        let set = this.#members.get(agent.queue);
        if (!set) this.#members.set(agent.queue, (set = new Set()));
        set.add(change.key);
      }
      if (change.previous === undefined || change.previous.status !== agent.status || change.removed) {
        // Replayed events carry their own time; a difference found by a resync happened while
        // the page was away, some time before now.
        const at = change.origin === 'event' ? (epoch(change.ts) ?? Date.now()) : change.previous ? Date.now() : this.#loadedAt;
        this.#since.set(change.key, { at, known: change.origin === 'event' && change.previous !== undefined });
      }
      queue.mark(this, `a:${change.key}`);
      // The card's "available" count and its existence follow its agents.
      queue.mark(this, `q:${agent.queue}`);
    } else if (change.topic === 'extensions') {
      for (const [key, agent] of this.#ctx.state.agents) if (agent.extension === change.key) queue.mark(this, `a:${key}`);
    }
  }

  /** @param {string} key */
  update(key) {
    if (key.startsWith('q:')) this.#updateQueue(key.slice(2));
    else this.#updateAgent(key.slice(2));
  }

  afterBatch() {
    setText(this.#count, this.#cards.size > 0 ? String(this.#cards.size) : '');
    this.#empty.hidden = this.#cards.size > 0;
  }

  /** An agent as the commands UI needs it. */
  agent(key) {
    const agent = this.#ctx.state.agents.get(key);
    return agent && { key, agent, label: this.#label(agent) };
  }

  #label(agent) {
    const ext = agent.extension === undefined ? undefined : this.#ctx.state.extensions.get(agent.extension);
    return agent.name ?? ext?.name ?? agent.extension ?? shortId(agent.agent);
  }

  #card(queueKey) {
    return this.#cards.upsert(queueKey, this.#queueLabel(queueKey), () => {
      const card = {
        title: el('h3.queue-name'),
        src: el('span.src'),
        stale: el('span.stale-tag', { hidden: true }, 'stale'),
        waiting: el('dd'),
        longest: el('dd'),
        available: el('dd'),
        list: el('ul.agents'),
      };
      card.waitingBox = el('div.kpi.kpi-waiting', {}, el('dt', {}, 'Waiting'), card.waiting);
      card.el = el(
        'article.queue',
        { 'data-queue': queueKey },
        el('header.queue-head', {}, card.title, card.stale, card.src),
        el('dl.kpis', {}, card.waitingBox, el('div.kpi', {}, el('dt', {}, 'Longest wait'), card.longest), el('div.kpi', {}, el('dt', {}, 'Available'), card.available)),
        card.list,
      );
      card.agents = new KeyedList(card.list, naturalCompare);
      return card;
    });
  }

  #queueLabel(queueKey) {
    const entity = this.#ctx.state.queues.get(queueKey);
    return entity?.name ?? `Queue ${shortId(queueKey)}`;
  }

  #updateQueue(queueKey) {
    const { state, ticker, health } = this.#ctx;
    const entity = state.queues.get(queueKey);
    const members = this.#members.get(queueKey);
    if (!entity && (!members || members.size === 0)) {
      const card = this.#cards.get(queueKey);
      if (card) ticker.delete(card.longest);
      this.#cards.remove(queueKey);
      this.#members.delete(queueKey);
      return;
    }
    const card = this.#card(queueKey);
    setText(card.title, this.#queueLabel(queueKey));
    const agents = [...(members ?? [])].flatMap((key) => state.agents.get(key) ?? []);
    const source = entity?.source ?? agents[0]?.source;
    setText(card.src, source ?? '');
    // Vendors without a queue entity (Kazoo ACDC here) still show their agents; their counts
    // come from the agents alone.
    const available = entity?.agentsAvailable ?? agents.filter((a) => a.status === 'available').length;
    setText(card.available, `${available}/${agents.length || '—'}`);
    if (entity) {
      setText(card.waiting, String(entity.waiting));
      setData(card.waitingBox, 'level', entity.waiting >= WAITING_ALARM ? 'alarm' : entity.waiting > 0 ? 'warn' : 'ok');
      // The longest wait keeps growing between polls: count from when it was observed.
      const observed = epoch(entity.observedAt);
      if (entity.waiting > 0 && entity.longestWaitSec !== undefined && observed !== undefined) {
        ticker.set(card.longest, observed - entity.longestWaitSec * 1000);
      } else {
        ticker.delete(card.longest);
        setText(card.longest, entity.waiting > 0 ? '—' : '0:00');
      }
    } else {
      setText(card.waiting, '—');
      setText(card.longest, '—');
      setData(card.waitingBox, 'level', 'none');
    }
    const stale = source !== undefined && health.isStale(source);
    card.el.classList.toggle('stale', stale);
    card.stale.hidden = !stale;
  }

  #updateAgent(key) {
    const { state, ticker, health, perms } = this.#ctx;
    const agent = state.agents.get(key);
    if (!agent) {
      // Removed: its card is marked too, and the row goes with its key.
      for (const card of this.#cards.values()) {
        const row = card.agents.get(key);
        if (!row) continue;
        ticker.delete(row.timer);
        card.agents.remove(key);
        break;
      }
      return;
    }
    const card = this.#card(agent.queue);
    const label = this.#label(agent);
    const row = card.agents.upsert(key, label, () => this.#createAgent(key, agent));
    setData(row.el, 'status', agent.status);
    setText(row.name, label);
    setText(row.ext, agent.extension && agent.extension !== label ? agent.extension : '');
    setText(row.status, STATUS_WORDS[agent.status] ?? agent.status);

    const since = this.#since.get(key);
    const paused = agent.status === 'paused';
    if (paused) {
      const reason = agent.pauseReason ? `${agent.pauseReason} · ` : '';
      const when = since?.known ? `since ${clock(since.at)}` : `before ${clock(since?.at ?? this.#loadedAt)}`;
      setText(row.detail, `${reason}${when}`);
      if (since?.known) ticker.set(row.timer, since.at);
      else {
        ticker.delete(row.timer);
        setText(row.timer, '');
      }
    } else {
      ticker.delete(row.timer);
      setText(row.detail, '');
      setText(row.timer, '');
    }
    // Only a pause needs the second line; the rest stays one line per agent on the wall.
    setHidden(row.more, !paused);
    const calls = agent.callsTaken === undefined ? '' : `${agent.callsTaken} call${agent.callsTaken === 1 ? '' : 's'} taken`;
    setAttr(row.el, 'title', [agent.agent, calls].filter(Boolean).join(' · '));

    if (row.button) {
      const pending = this.pending.has(key);
      const isPaused = agent.paused;
      const allowed = perms.can(isPaused ? 'agent.unpause' : 'agent.pause', agent.source);
      row.button.hidden = !allowed;
      setData(row.button, 'action', isPaused ? 'unpause' : 'pause');
      setText(row.button, pending ? (isPaused ? 'Resuming…' : 'Pausing…') : isPaused ? 'Resume' : 'Pause');
      setAttr(row.button, 'disabled', pending);
    }
    const stale = health.isStale(agent.source);
    row.el.classList.toggle('stale', stale);
  }

  #createAgent(key, agent) {
    const { perms } = this.#ctx;
    const row = {
      name: el('span.agent-name'),
      ext: el('small.number'),
      status: el('span.agent-status'),
      detail: el('span.agent-detail'),
      timer: el('span.timer'),
    };
    row.more = el('span.agent-more', { hidden: true }, row.detail, row.timer);
    const canControl = perms.can('agent.pause', agent.source) || perms.can('agent.unpause', agent.source);
    if (canControl) row.button = el('button.action', { type: 'button', 'data-action': 'pause' }, 'Pause');
    row.el = el(
      'li.agent',
      { 'data-agent': key },
      el('span.lamp', { 'aria-hidden': 'true' }),
      el('span.agent-who', {}, row.name, row.ext),
      row.status,
      row.more,
      row.button ?? null,
    );
    return row;
  }
}
