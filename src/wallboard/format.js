/** Text formatting for the wall: durations, times, phone numbers, parties. */

/**
 * `0:07`, `12:03`, `1:02:03`.
 * @param {number} ms
 */
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Milliseconds since the epoch of an ISO time, or undefined. */
export function epoch(iso) {
  if (typeof iso !== 'string') return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const CLOCK_SECONDS = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** `14:02` */
export function clock(ms, seconds = false) {
  return (seconds ? CLOCK_SECONDS : CLOCK).format(ms);
}

/** `just now`, `42 s ago`, `3 min ago`, `2 h ago`. */
export function ago(ms, now = Date.now()) {
  const sec = Math.round((now - ms) / 1000);
  if (sec < 5) return 'just now';
  if (sec < 60) return `${sec} s ago`;
  if (sec < 3600) return `${Math.round(sec / 60)} min ago`;
  return `${Math.round(sec / 3600)} h ago`;
}

/**
 * A number as people read it: French numbers (the PBXs here are French) grouped by pairs,
 * anything else left alone.
 * @param {string | undefined} number
 */
export function phone(number) {
  if (!number) return '';
  const fr = /^(?:\+33|0033|33)([1-9])(\d{8})$/.exec(number);
  if (fr) return `+33 ${fr[1]} ${fr[2].replace(/(\d{2})(?=\d)/g, '$1 ')}`;
  const national = /^0([1-9])(\d{8})$/.exec(number);
  if (national) return `0${national[1]} ${national[2].replace(/(\d{2})(?=\d)/g, '$1 ')}`;
  return number;
}

/** Natural order for extension numbers and names: `9` before `10`. */
export const naturalCompare = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare;

/** A short, readable stand-in for a long vendor id (Kazoo's 32-hex ids). */
export function shortId(id) {
  return /^[0-9a-f]{20,}$/i.test(id) ? `${id.slice(0, 6)}…` : id;
}
