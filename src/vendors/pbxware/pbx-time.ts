/**
 * PBXware's dates: `pbxware.cdr.download` takes `start`/`end` as `Mon-DD-YYYY` (ISO dates are
 * refused) and `starttime`/`endtime` as `HH:MM:SS`, in the PBX's wall-clock time.
 */

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

export interface WallClock {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of `epochMs` in `timeZone`. */
export function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/**
 * `{ date: 'Jun-01-2026', time: '10:15:02' }` for `epochMs` in the PBX's zone.
 *
 * @example
 * pbxDateTime(Date.UTC(2026, 5, 1, 10, 15, 2), 'UTC'); // { date: 'Jun-01-2026', time: '10:15:02' }
 */
export function pbxDateTime(epochMs: number, timeZone: string): { date: string; time: string } {
  const c = wallClock(epochMs, timeZone);
  return { date: `${MONTHS[c.month - 1]}-${pad(c.day)}-${c.year}`, time: `${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}` };
}

/** The instant a wall-clock time in `timeZone` names (the earlier one in a DST overlap). */
export function wallClockToEpoch(c: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  const offsetAt = (epoch: number): number => {
    const w = wallClock(epoch, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(epoch / 1000) * 1000;
  };
  const first = asUtc - offsetAt(asUtc);
  // Near a DST change the offset at the guess differs from the offset at the answer.
  return asUtc - offsetAt(first);
}

/**
 * A CDR time cell as epoch ms: a Unix timestamp (seconds, or ms), or `YYYY-MM-DD HH:MM:SS` in
 * the PBX's zone. Undefined when unreadable.
 */
export function cdrTimeToEpoch(value: string, timeZone: string): number | undefined {
  const text = value.trim();
  if (/^\d{9,13}(?:\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n >= 1e12 ? Math.floor(n) : Math.floor(n * 1000);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const epoch = wallClockToEpoch(
    { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) },
    timeZone,
  );
  return Number.isFinite(epoch) ? epoch : undefined;
}
