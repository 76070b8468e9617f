/**
 * The command activity list (bottom right): one entry per command the operator sent, following
 * it through the bridge — waiting, sent, done, seen on the PBX — or saying in words why it failed.
 */
import { el, setData, setText } from './dom.js';

/** How long a finished command stays listed; failures stay until dismissed. */
const DONE_LINGER_MS = 8000;
/** Older entries make room beyond this. */
const MAX_ENTRIES = 6;

const STEP_WORDS = {
  queued: 'Waiting for a slot on the PBX link…',
  sent: 'Sent to the PBX…',
  succeeded: 'Done',
  observed: 'Done — seen on the PBX',
};

/** Protocol error codes (§4) as an operator reads them. */
const ERROR_WORDS = {
  invalid_argument: (e) => `The request was not valid: ${e.message}`,
  unauthorized: () => 'The bridge no longer accepts this token. Sign in again.',
  forbidden: () => 'This token is not allowed to do that.',
  not_found: (e) => `Not found: ${e.message}`,
  unsupported: () => 'This PBX cannot do that.',
  duplicate: () => 'This command was already sent with different details.',
  rate_limited: (e) => `The PBX link is busy. Nothing was sent; try again in ${e.retryAfterSec ?? 1} s.`,
  unavailable: (e) =>
    `The PBX cannot be reached right now. Nothing was sent${e.retryAfterSec ? `; try again in ${e.retryAfterSec} s` : ''}.`,
  vendor_error: (e) => `The PBX refused: ${e.message}`,
  timeout: () => 'No answer from the PBX in time. It may or may not have been done: check before retrying.',
  internal: (e) => `The bridge failed (${e.message}).`,
};

/**
 * An error of `cb.command()` in words.
 * @param {unknown} err
 */
export function errorWords(err) {
  const e = /** @type {{ code?: string, message?: string, retryAfterSec?: number }} */ (err ?? {});
  const words = e.code === undefined ? undefined : ERROR_WORDS[e.code];
  return words ? words(e) : `Unexpected error: ${e.message ?? String(err)}`;
}

export class Activity {
  #list;

  /** @param {HTMLElement} list */
  constructor(list) {
    this.#list = list;
  }

  /**
   * A new entry, pending.
   * @param {string} label what the operator asked, e.g. `Hang up +33 6 12 34 56 78`
   * @example const entry = activity.start('Pause Alice'); entry.step('sent'); entry.done();
   */
  start(label) {
    const text = el('span.activity-step', {}, 'Sending…');
    const close = el('button.ghost.close', { type: 'button', 'aria-label': 'Dismiss' }, '✕');
    const item = el('li.activity-item', { 'data-state': 'pending' }, el('span.activity-icon', { 'aria-hidden': 'true' }), el('div', {}, el('strong.activity-label', {}, label), text), close);
    close.addEventListener('click', () => item.remove());
    this.#list.prepend(item);
    while (this.#list.children.length > MAX_ENTRIES) this.#list.lastElementChild?.remove();
    let timer;
    const linger = () => {
      clearTimeout(timer);
      timer = setTimeout(() => item.remove(), DONE_LINGER_MS);
    };
    return {
      /** @param {string} state a `command.updated` state */
      step(state) {
        if (item.dataset.state === 'failed') return;
        const words = STEP_WORDS[state];
        if (!words) return;
        setText(text, words);
        if (state === 'succeeded' || state === 'observed') {
          setData(item, 'state', 'done');
          linger();
        }
      },
      done() {
        if (item.dataset.state === 'failed') return;
        if (item.dataset.state !== 'done') setText(text, STEP_WORDS.succeeded);
        setData(item, 'state', 'done');
        linger();
      },
      /** @param {string} words */
      fail(words) {
        clearTimeout(timer);
        setData(item, 'state', 'failed');
        setText(text, words);
      },
    };
  }
}
