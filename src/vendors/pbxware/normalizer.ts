/**
 * PBXware rows -> protocol entities: `pbxware.ext.list` rows -> `extensions`, CDR rows ->
 * `calls` records (published as `call.recorded`). Pure: no I/O, no clock.
 */
import { PollError } from '../../pollers/poll-error.js';
import type { Entity, Extension } from '../../protocol/entities.js';
import type { CdrPage, ExtRow } from './parsers.js';
import { cdrTimeToEpoch } from './pbx-time.js';
import { PBXWARE_VENDOR_NAME } from './vendor-errors.js';

export interface EntityBase {
  source: string;
  observedAt: string;
}

const present = (value: string | null | undefined): string | undefined => {
  const text = value?.trim();
  return text ? text : undefined;
};

// ---------------------------------------------------------------- extensions

/**
 * What `raw: true` subscribers may see of an extension: an allow-list, so the e-mail (personal
 * data) and whatever later versions add stay out.
 */
export const EXTENSION_RAW_FIELDS: readonly string[] = ['ext', 'name', 'protocol', 'status', 'location', 'ua_name', 'ua_fullname', 'department', 'linenum'];

/**
 * `pbxware.ext.list` rows keyed by extension number. `status` is the admin flag (`enabled` /
 * `disabled`), not registration. A number listed twice keeps its first row.
 *
 * @example
 * extensionsFromList(parseExtList(body), { source: 'pbx', observedAt }).get('530'); // { number: '530', name: 'User 530', tech: 'sip', enabled: true, ... }
 */
export function extensionsFromList(rows: ReadonlyMap<string, ExtRow>, base: EntityBase): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const [id, row] of rows) {
    const number = row.ext.trim();
    if (out.has(number)) continue;
    const ext: Extension = { ...base, number, extensionId: id };
    const name = present(row.name);
    if (name !== undefined) ext.name = name;
    const tech = present(row.protocol);
    if (tech !== undefined) ext.tech = tech;
    const status = present(row.status)?.toLowerCase();
    if (status === 'enabled' || status === 'disabled') ext.enabled = status === 'enabled';
    const record = row as Record<string, unknown>;
    ext.raw = Object.fromEntries(EXTENSION_RAW_FIELDS.filter((field) => record[field] !== undefined).map((field) => [field, record[field]]));
    out.set(number, ext);
  }
  return out;
}

// ---------------------------------------------------------------- CDRs

/** Header names seen in PBXware CDR exports, normalized (lower case, letters and digits only). */
const COLUMN_NAMES = {
  uniqueId: ['uniqueid'],
  time: ['datetime', 'date', 'calldate', 'timestamp', 'time'],
  from: ['from', 'src', 'source', 'caller'],
  to: ['to', 'dst', 'destination', 'callee'],
  duration: ['totalduration', 'duration'],
  billsec: ['ratingduration', 'billsec', 'billableduration'],
  status: ['status', 'disposition'],
  locationType: ['locationtype'],
} as const;
type Column = keyof typeof COLUMN_NAMES;
export type CdrColumns = { uniqueId: number; time: number } & Partial<Record<Exclude<Column, 'uniqueId' | 'time'>, number>>;

const normalizeHeader = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Where each field is. Versions disagree on positions (the timestamp is column 2 or 3), so
 * columns are found by name; without a unique id or a time column the page is unreadable.
 */
export function cdrColumns(header: readonly string[]): CdrColumns {
  const names = header.map(normalizeHeader);
  const found: Partial<Record<Column, number>> = {};
  for (const [column, candidates] of Object.entries(COLUMN_NAMES) as Array<[Column, readonly string[]]>) {
    for (const candidate of candidates) {
      const index = names.indexOf(candidate);
      if (index >= 0) {
        found[column] = index;
        break;
      }
    }
  }
  const { uniqueId, time } = found;
  if (uniqueId === undefined || time === undefined) {
    throw new PollError('parse', `${PBXWARE_VENDOR_NAME} CDR header has no ${uniqueId === undefined ? 'Unique ID' : 'Date/Time'} column`);
  }
  return { ...found, uniqueId, time };
}

/** A CallRecord without the fields the source adds (`source`, `observedAt`). */
export interface CallFields {
  uniqueId: string;
  startedAt: string;
  endedAt?: string;
  durationSec?: number;
  /** PBXware's `Rating Duration`: the billed seconds. */
  billsec?: number;
  from?: string;
  fromName?: string;
  to?: string;
  toName?: string;
  disposition?: string;
  /** PBXware's `Location Type` (`Local`, ...), as given. */
  locationType?: string;
  /** The row by header name; only sent to `raw: true` subscriptions. */
  raw?: Record<string, string>;
}

export interface CdrRecord {
  /** The entity key: the unique id plus a digest of the row, since legs of one call share the id. */
  key: string;
  startedAtMs: number;
  fields: CallFields;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable digest (not a security measure). */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** `Answered` -> `answered`, `Not Answered` / `No Answer` -> `no_answer`, others snake_cased. */
export function dispositionOf(status: string): string {
  const words = status.trim().toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  if (words === 'not answered' || words === 'no answer' || words === 'noanswer') return 'no_answer';
  return words.replace(/ /g, '_').slice(0, 32);
}

/** `Phil (2001)` -> number 2001, name Phil; a bare number stays a number. */
export function partyOf(cell: string): { number?: string; name?: string } {
  const text = cell.trim();
  const m = /^(.*?)\s*\(([^()]+)\)$/.exec(text);
  if (m?.[2] !== undefined) {
    const name = m[1]?.trim();
    return name ? { number: m[2].trim(), name } : { number: m[2].trim() };
  }
  return text ? { number: text } : {};
}

/** Seconds from `83`, `83.0` or `00:01:23`. */
function seconds(cell: string | undefined): number | undefined {
  const text = cell?.trim();
  if (!text) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text));
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(text);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/**
 * A page's rows as call records. Rows without a unique id or a readable time are skipped
 * (counted): one broken row must not stop every later CDR.
 */
export function cdrRecords(page: CdrPage, timeZone: string): { records: CdrRecord[]; skipped: number } {
  if (page.rows.length === 0) return { records: [], skipped: 0 };
  const columns = cdrColumns(page.header);
  const records: CdrRecord[] = [];
  let skipped = 0;
  for (const row of page.rows) {
    const cell = (index: number | undefined): string | undefined => (index === undefined ? undefined : row[index]);
    const uniqueId = cell(columns.uniqueId)?.trim();
    const startedAtMs = cdrTimeToEpoch(cell(columns.time) ?? '', timeZone);
    if (!uniqueId || startedAtMs === undefined) {
      skipped++;
      continue;
    }
    const fields: CallFields = { uniqueId, startedAt: new Date(startedAtMs).toISOString() };
    const durationSec = seconds(cell(columns.duration));
    if (durationSec !== undefined) {
      fields.durationSec = durationSec;
      fields.endedAt = new Date(startedAtMs + durationSec * 1000).toISOString();
    }
    const billsec = seconds(cell(columns.billsec));
    if (billsec !== undefined) fields.billsec = billsec;
    const from = partyOf(cell(columns.from) ?? '');
    if (from.number !== undefined) fields.from = from.number;
    if (from.name !== undefined) fields.fromName = from.name;
    const to = partyOf(cell(columns.to) ?? '');
    if (to.number !== undefined) fields.to = to.number;
    if (to.name !== undefined) fields.toName = to.name;
    const status = cell(columns.status)?.trim();
    if (status) fields.disposition = dispositionOf(status);
    const location = cell(columns.locationType)?.trim();
    if (location) fields.locationType = location;
    fields.raw = Object.fromEntries(page.header.map((name, index) => [name, row[index] ?? '']));
    const identity = [uniqueId, cell(columns.time), cell(columns.from), cell(columns.to), cell(columns.duration), status];
    records.push({ key: `${uniqueId}/${digest(JSON.stringify(identity))}`, startedAtMs, fields });
  }
  return { records, skipped };
}
