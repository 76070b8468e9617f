/**
 * The simulator's reading of `pbxware.cdr.download` dates: `start`/`end` strictly `Mon-DD-YYYY`
 * (an ISO date is a validation error, as on the real API) and `starttime`/`endtime` `HH:MM:SS`,
 * in the PBX's wall-clock time (a fixed UTC offset here).
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Epoch ms of `Mon-DD-YYYY` + `HH:MM:SS` at `utcOffsetMinutes`, or undefined when malformed. */
export function parsePbxDateTime(date: string, time: string, utcOffsetMinutes: number): number | undefined {
  const d = /^([A-Za-z]{3})-(\d{2})-(\d{4})$/.exec(date);
  const t = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return undefined;
  const month = MONTHS.indexOf((d[1] ?? '').toLowerCase());
  const day = Number(d[2]);
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3])];
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(Number(d[3]), month, day, hour, minute, second);
  // 31-Feb and the like roll over in Date.UTC: the real API would refuse them.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return utc - utcOffsetMinutes * 60_000;
}

/** `Mon-DD-YYYY` of an instant at `utcOffsetMinutes` (for tests building queries). */
export function formatPbxDate(epochMs: number, utcOffsetMinutes = 0): string {
  const d = new Date(epochMs + utcOffsetMinutes * 60_000);
  const month = MONTHS[d.getUTCMonth()] ?? 'jan';
  return `${month[0]?.toUpperCase()}${month.slice(1)}-${String(d.getUTCDate()).padStart(2, '0')}-${d.getUTCFullYear()}`;
}
