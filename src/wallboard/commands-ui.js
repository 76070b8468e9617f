/**
 * The controls: click-to-dial from an extension, hang up, transfer (a dialog, or drag a call
 * onto an extension), pause / resume an agent. Each goes through `cb.command()` with the source
 * that owns the entity, and reports its progress and any error in the activity list. Listeners
 * are delegated to the three containers, so 1,000 cells cost no 1,000 listeners.
 */
import { errorWords } from './activity.js';
import { byId, el } from './dom.js';
import { phone } from './format.js';

/** dataTransfer type of a dragged call: only our own drags are accepted as drops. */
const CALL_MIME = 'application/x-callbridge-call';
const PAUSE_REASONS = ['Break', 'Lunch', 'Meeting', 'Training', 'Admin work'];

export class CommandsUi {
  #ctx;
  #activity;
  #dialog = /** @type {HTMLDialogElement} */ (byId('action-dialog'));
  #title = byId('dialog-title');
  #content = byId('dialog-content');
  #abort = new AbortController();

  /**
   * @param {import('./app.js').ViewContext} ctx
   * @param {import('./activity.js').Activity} activity
   */
  constructor(ctx, activity) {
    this.#ctx = ctx;
    this.#activity = activity;
    const on = (target, type, handler) => target.addEventListener(type, handler, { signal: this.#abort.signal });
    on(byId('dialog-close'), 'click', () => this.#dialog.close());
    on(byId('calls'), 'click', (event) => this.#onCallClick(event));
    on(byId('queues'), 'click', (event) => this.#onAgentClick(event));
    on(byId('extensions'), 'click', (event) => this.#onCellClick(event));
    on(byId('extensions'), 'keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') this.#onCellClick(event);
    });
    for (const id of ['calls', 'extensions']) on(byId(id), 'dragstart', (event) => this.#onDragStart(event));
    on(byId('extensions'), 'dragover', (event) => this.#onDragOver(event));
    on(byId('extensions'), 'dragleave', (event) => event.target.closest?.('[data-ext]')?.classList.remove('drop-target'));
    on(byId('extensions'), 'drop', (event) => this.#onDrop(event));
  }

  /** Removes the listeners (the tenant changed; a new instance takes over). */
  detach() {
    this.#abort.abort();
    if (this.#dialog.open) this.#dialog.close();
  }

  /**
   * Sends a command and follows it in the activity list.
   * @returns {Promise<boolean>} whether it succeeded
   * @example await ui.run('Hang up', 'hangup', { channel }, 'mirta-main')
   */
  async run(label, type, args, source) {
    const entry = this.#activity.start(label);
    try {
      await this.#ctx.client.command(type, args, { source, onUpdate: (update) => entry.step(update.data.state) });
      entry.done();
      return true;
    } catch (err) {
      entry.fail(errorWords(err));
      return false;
    }
  }

  // ---- calls ---------------------------------------------------------------------------

  #onCallClick(event) {
    const button = event.target.closest('button[data-action]');
    const row = button?.closest('[data-call]');
    const call = row && this.#ctx.calls.call(row.dataset.call);
    if (!call) return;
    const who = this.#callLabel(call.caller);
    if (button.dataset.action === 'transfer') {
      this.openTransfer({ channel: call.transferLeg.channel, source: call.source, label: who });
    } else if (button.dataset.action === 'hangup') {
      button.disabled = true;
      button.textContent = 'Hanging up…';
      void this.run(`Hang up the call with ${who}`, 'hangup', { channel: call.caller.channel }, call.source).then((ok) => {
        if (ok || !button.isConnected) return;
        button.disabled = false;
        button.textContent = 'Hang up';
      });
    }
  }

  #callLabel(leg) {
    return leg.callerName ?? (phone(leg.callerNumber) || 'unknown caller');
  }

  /**
   * Asks where to transfer `target.channel`, with the tenant's extensions to pick from.
   * @param {{ channel: string, source: string, label: string }} target
   */
  openTransfer(target) {
    const input = el('input', { name: 'to', list: 'transfer-targets', required: true, autocomplete: 'off', placeholder: 'Extension or number', 'aria-label': 'Transfer to' });
    const options = [...this.#ctx.state.extensions.values()].map((ext) => el('option', { value: ext.number }, ext.name ?? ext.number));
    const form = el(
      'form.dialog-form',
      {},
      el('p', {}, `Send ${target.label} to another phone. The current leg is released.`),
      el('label.field', {}, el('span', {}, 'Transfer to'), input),
      el('datalist', { id: 'transfer-targets' }, ...options),
      el('div.actions', {}, el('button.primary', { type: 'submit' }, 'Transfer')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const to = input.value.trim();
      if (to === '') return;
      this.#dialog.close();
      this.transfer(target, to);
    });
    this.#open(`Transfer ${target.label}`, form);
    input.focus();
  }

  /** @param {{ channel: string, source: string, label: string }} target */
  transfer(target, to) {
    const name = this.#ctx.state.extensions.get(to)?.name;
    void this.run(`Transfer ${target.label} to ${to}${name ? ` (${name})` : ''}`, 'transfer', { channel: target.channel, to }, target.source);
  }

  // ---- extensions -------------------------------------------------------------------------

  #onCellClick(event) {
    const cell = event.target.closest('[data-ext][role="button"]');
    if (!cell) return;
    event.preventDefault();
    this.openExtension(cell.dataset.ext);
  }

  /** The actions of one extension: call a number from it; hang up or transfer its call. */
  openExtension(number) {
    const { perms, grid } = this.#ctx;
    const { ext, leg, source } = grid.cell(number);
    const title = `${number}${ext?.name ? ` · ${ext.name}` : ''}`;
    const parts = [];
    if (source !== undefined && perms.can('dial', source)) {
      const input = el('input', { name: 'to', type: 'tel', required: true, autocomplete: 'off', placeholder: 'Number or extension', 'aria-label': 'Number to call' });
      const form = el(
        'form.dialog-form',
        {},
        el('label.field', {}, el('span', {}, `Call from ${number}`), input),
        el('p.hint', {}, 'The phone rings first; the number is dialled when it answers.'),
        el('div.actions', {}, el('button.primary', { type: 'submit', 'data-action': 'dial' }, 'Call')),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const to = input.value.trim();
        if (to === '') return;
        this.#dialog.close();
        void this.run(`Call ${phone(to) || to} from ${number}`, 'dial', { from: number, to }, source);
      });
      parts.push(form);
    }
    if (leg) {
      const other = leg.callerNumber === number ? (leg.calleeName ?? phone(leg.calleeNumber)) : this.#callLabel(leg);
      const buttons = [];
      if (perms.can('transfer', leg.source)) {
        buttons.push(
          this.#button('Transfer…', 'transfer', () => this.openTransfer({ channel: leg.linkedKey ?? leg.channel, source: leg.source, label: other || 'the call' })),
        );
      }
      if (perms.can('hangup', leg.source)) {
        buttons.push(
          this.#button('Hang up', 'hangup', () => {
            this.#dialog.close();
            void this.run(`Hang up ${number}'s call`, 'hangup', { channel: leg.channel }, leg.source);
          }, 'danger'),
        );
      }
      parts.push(el('div.dialog-call', {}, el('p', {}, `On a call with ${other || 'unknown'}`), el('div.actions', {}, ...buttons)));
    }
    if (parts.length === 0) return;
    this.#open(title, ...parts);
    this.#content.querySelector('input')?.focus();
  }

  // ---- agents --------------------------------------------------------------------------

  #onAgentClick(event) {
    const button = event.target.closest('button[data-action]');
    const row = button?.closest('[data-agent]');
    const found = row && this.#ctx.agents.agent(row.dataset.agent);
    if (!found) return;
    if (button.dataset.action === 'pause') this.openPause(found);
    else this.#setPaused(found, false);
  }

  /** Asks for a pause reason, then pauses. */
  openPause(found) {
    const queueName = this.#ctx.state.queues.get(found.agent.queue)?.name;
    const custom = el('input', { name: 'reason', autocomplete: 'off', placeholder: 'Other reason', 'aria-label': 'Other reason' });
    const form = el(
      'form.dialog-form',
      {},
      el('div.reasons', {}, ...PAUSE_REASONS.map((reason) => this.#button(reason, 'reason', () => this.#pauseWith(found, reason), 'reason'))),
      el('label.field', {}, el('span', {}, 'Or a reason of your own'), custom),
      el('div.actions', {}, el('button.primary', { type: 'submit' }, 'Pause')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#pauseWith(found, custom.value.trim() || undefined);
    });
    this.#open(`Pause ${found.label}${queueName ? ` in ${queueName}` : ''}`, form);
  }

  #pauseWith(found, reason) {
    this.#dialog.close();
    this.#setPaused(found, true, reason);
  }

  #setPaused({ key, agent, label }, paused, reason) {
    const { agents, queue } = this.#ctx;
    const args = { queue: agent.queue, agent: agent.agent };
    if (paused && reason !== undefined) args.reason = reason;
    const words = paused ? `Pause ${label}${reason ? ` (${reason})` : ''}` : `Resume ${label}`;
    agents.pending.add(key);
    queue.mark(agents, `a:${key}`);
    void this.run(words, paused ? 'agent.pause' : 'agent.unpause', args, agent.source).finally(() => {
      agents.pending.delete(key);
      queue.mark(agents, `a:${key}`);
    });
  }

  // ---- drag and drop -------------------------------------------------------------------

  #onDragStart(event) {
    const { calls, grid } = this.#ctx;
    let target;
    const row = event.target.closest?.('[data-call]');
    if (row) {
      const call = calls.call(row.dataset.call);
      if (call) target = { channel: call.transferLeg.channel, source: call.source, label: this.#callLabel(call.caller) };
    } else {
      const cell = event.target.closest?.('[data-ext]');
      const leg = cell && grid.cell(cell.dataset.ext).leg;
      if (leg) target = { channel: leg.linkedKey ?? leg.channel, source: leg.source, label: `${cell.dataset.ext}'s caller` };
    }
    if (!target) return;
    event.dataTransfer.setData(CALL_MIME, JSON.stringify(target));
    event.dataTransfer.setData('text/plain', target.label);
    event.dataTransfer.effectAllowed = 'move';
  }

  #onDragOver(event) {
    if (!event.dataTransfer?.types.includes(CALL_MIME)) return;
    const cell = event.target.closest('[data-ext]');
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    cell.classList.add('drop-target');
  }

  #onDrop(event) {
    const cell = event.target.closest('[data-ext]');
    const data = event.dataTransfer?.getData(CALL_MIME);
    if (!cell || !data) return;
    event.preventDefault();
    cell.classList.remove('drop-target');
    this.transfer(JSON.parse(data), cell.dataset.ext);
  }

  // ---- dialog --------------------------------------------------------------------------

  #open(title, ...content) {
    this.#title.textContent = title;
    this.#content.replaceChildren(...content);
    if (!this.#dialog.open) this.#dialog.showModal();
  }

  #button(text, action, onClick, variant = '') {
    const button = el(`button.action${variant ? `.${variant}` : ''}`, { type: 'button', 'data-action': action }, text);
    button.addEventListener('click', onClick);
    return button;
  }
}
