/**
 * Tolerant, pure parsers for MiRTA ProxyAPI bodies (docs/vendors/mirta.md), JSON and plain.
 * Rows come out with lower-cased field names and string values; positional duplicates
 * (`"0"`, `"1"` …, PHP's mixed arrays) are dropped. Garbage throws a PollError whose message is
 * safe to publish (it never quotes the body, except the short known vendor messages).
 */
import { PollError } from '../../pollers/poll-error.js';

/** The auth-error body (HTTP 200!): `Too bad... you mistaken the security api key.` */
const AUTH_ERROR_MARKER = 'mistaken the security api key';
/** What callers are told instead: the key is never echoed. */
export const AUTH_REFUSED_MESSAGE = 'authentication refused by the PBX';

/** True when the body is MiRTA's "bad key / unknown tenant / no permission" text. */
export function isMirtaAuthError(body: string): boolean {
  return body.length < 200 && body.toLowerCase().includes(AUTH_ERROR_MARKER);
}

/** One record: lower-cased field name -> value as text. */
export type Row = Readonly<Record<string, string>>;

/** Column orders, used only when a host sends rows with positional keys alone. */
export const PEER_COLUMNS = ['node', 'name', 'host', 'dyn', 'forcerport', 'comedia', 'acl', 'port', 'status', 'description', 'realtime'];
/** CHANNELS: `CoreShowChannels` in AMI order after `node` (shared/vendors §1.10), then `BridgedChannel`. */
export const CHANNEL_COLUMNS = [
  'node', 'channel', 'channelstate', 'channelstatedesc', 'calleridnum', 'calleridname', 'connectedlinenum',
  'connectedlinename', 'language', 'accountcode', 'context', 'exten', 'priority', 'uniqueid', 'linkedid',
  'application', 'applicationdata', 'duration', 'bridgeid', 'bridgedchannel',
];
export const BLF_COLUMNS = ['st_extension', 'st_state', 'st_timestamp'];
export const FLOW_COLUMNS = [
  'fl_id', 'fl_te_id', 'fl_name', 'fl_comment', 'fl_number', 'fl_value', 'fl_value_for_unavailable',
  'fl_value_for_inuse', 'fl_value_for_notinuse', 'fl_value_for_ringing', 'fl_variable_name', 'fl_monitor_type',
  'fl_monitor_type_id', 'fl_monitor_parameter', 'st_extension', 'st_state', 'st_timestamp', 'st_peername',
];
const EXTENSION_PLAIN_COLUMNS = ['number', 'name', 'tech', 'state', 'username', 'password'];

/** Field names that may hold a secret or personal data: never kept, whatever the format. */
const SECRET_FIELD = /pass|pwd|secret|pin|2fa|totp|token|mail|key|auth/i;

/** Known short vendor texts for a missing/wrong parameter (a `vendor` failure, not garbage). */
const VENDOR_MESSAGE = [/^no [a-z ]+ specified\.?$/i, /^wrong or missing [a-z ]+\.?$/i];

const POSITIONAL = /^\d+$/;

/** Body with BOM, whitespace and NULs trimmed. */
export function clean(body: string): string {
  // `includes` first: the regex replace copies a multi-megabyte body even when it has no NUL.
  const withoutNuls = body.includes('\0') ? body.replace(/\0/g, '') : body;
  return withoutNuls.replace(/^\uFEFF/, '').trim();
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Field name -> its lower-cased form, or null for a positional duplicate. A poll of 50,000 rows
 * repeats the same dozen names: lower-casing (a new string each time) and the regex once per
 * name instead of once per cell made `toRow` about three times faster (bench/diff.ts).
 */
const FIELD_NAMES = new Map<string, string | null>();
/** Bound on the cache: a hostile body with endless distinct names cannot grow it past this. */
const FIELD_NAMES_MAX = 4_096;

function fieldName(name: string): string | null {
  let known = FIELD_NAMES.get(name);
  if (known === undefined) {
    known = POSITIONAL.test(name) ? null : name.toLowerCase();
    if (FIELD_NAMES.size < FIELD_NAMES_MAX) FIELD_NAMES.set(name, known);
  }
  return known;
}

/** Throws the right PollError for a body that is not data: auth text, vendor message, garbage. */
function refuse(body: string, what: string): never {
  if (isMirtaAuthError(body)) throw new PollError('auth', AUTH_REFUSED_MESSAGE);
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.length <= 80 && VENDOR_MESSAGE.some((re) => re.test(firstLine.trim()))) {
    throw new PollError('vendor', `PBX answered "${firstLine.trim()}" to ${what}`);
  }
  throw new PollError('parse', `unparseable answer to ${what} (${body.length} bytes)`);
}

type Json = unknown;

/** JSON body, or `undefined` for "no data" (empty, `]`, `null`, `[]`). Throws on garbage. */
export function parseJsonBody(body: string, what: string): Json | undefined {
  const trimmed = clean(body);
  if (trimmed === '' || trimmed === ']' || trimmed === 'null') return undefined;
  const first = trimmed[0];
  if (first !== '[' && first !== '{') return refuse(trimmed, what);
  try {
    const parsed: Json = JSON.parse(trimmed);
    return parsed === null ? undefined : parsed;
  } catch {
    return refuse(trimmed, what);
  }
}

/** A JSON record -> Row: names lower-cased, positional duplicates dropped (or used if alone). */
export function toRow(record: Json, columns?: readonly string[]): Row | undefined {
  if (Array.isArray(record)) {
    if (!columns) return undefined;
    return Object.fromEntries(columns.map((name, i) => [name, text(record[i])]));
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const source = record as Record<string, Json>;
  const row: Record<string, string> = {};
  let named = false;
  let positional: Record<string, string> | undefined;
  // `for...in` over a JSON.parse result sees own properties only (plain prototype).
  for (const name in source) {
    const lower = fieldName(name);
    if (lower === null) {
      (positional ??= {})[name] = text(source[name]);
      continue;
    }
    named = true;
    // First spelling wins when a host sends `Name` and `name`. `hasOwn`, not `in`: a field
    // called `constructor` or `toString` is data, not the prototype's.
    if (!Object.hasOwn(row, lower)) row[lower] = text(source[name]);
  }
  if (!named && columns) {
    columns.forEach((name, i) => (row[name] = positional?.[String(i)] ?? ''));
  }
  return row;
}

/** Splits one plain line on `|`, dropping the trailing empty cell of the `a|b|` convention. */
export function cells(line: string): string[] {
  const parts = line.split('|');
  if (parts.length > 1 && parts[parts.length - 1]?.trim() === '') parts.pop();
  return parts.map((part) => part.trim());
}

/** `name:value` (or PHP's positional `0:value`); a value may hold more colons. */
const KV_CELL = /^([A-Za-z_][A-Za-z0-9_ ]*|\d+):(.*)$/;

/** Plain tables: a header row + rows, or one `key:value|` line per record. */
function parsePlainTable(body: string, keyColumn: string, what: string, columns?: readonly string[]): Row[] {
  const lines = body.split(/\r?\n/).filter((line) => line.trim() !== '');
  const first = lines[0];
  if (first === undefined) return [];
  const firstCells = cells(first);
  if (firstCells.every((cell) => KV_CELL.test(cell))) {
    const rows = lines.map((line) => {
      const row: Record<string, string> = {};
      for (const cell of cells(line)) {
        const match = KV_CELL.exec(cell);
        if (match?.[1] !== undefined && !POSITIONAL.test(match[1])) row[match[1].trim().toLowerCase()] = (match[2] ?? '').trim();
      }
      return row;
    });
    if (rows.every((row) => Object.hasOwn(row, keyColumn))) return rows;
  }
  const header = firstCells.map((name) => name.toLowerCase());
  if (!header.includes(keyColumn)) {
    // Headerless rows in the documented column order.
    if (columns && firstCells.length >= columns.length) return lines.map((line) => zip(columns, cells(line)));
    return refuse(body, what);
  }
  return lines.slice(1).map((line) => zip(header, cells(line)));
}

function zip(names: readonly string[], values: readonly string[]): Row {
  const row: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name !== '' && !POSITIONAL.test(name) && !Object.hasOwn(row, name)) row[name] = values[i] ?? '';
  });
  return row;
}

/** A list of records in JSON (array, single object, or object of records) or plain. */
export function parseTable(body: string, options: { keyColumn: string; what: string; columns?: readonly string[] }): Row[] {
  const trimmed = clean(body);
  if (trimmed === '' || trimmed === ']' || trimmed === 'null') return [];
  if (trimmed[0] !== '[' && trimmed[0] !== '{') return parsePlainTable(trimmed, options.keyColumn, options.what, options.columns);
  const json = parseJsonBody(trimmed, options.what);
  if (json === undefined) return [];
  let records: Json[];
  if (Array.isArray(json)) records = json;
  else {
    const object = json as Record<string, Json>;
    const lowerKeys = Object.keys(object).map((k) => k.toLowerCase());
    // An AMI-style `{"Response":"Error","Message":…}` instead of rows. Its text is not quoted:
    // it is the vendor's free text and this message is published as the source's lastError.
    const response = toRow(object)?.response?.toLowerCase();
    if (response === 'error' && !lowerKeys.includes(options.keyColumn)) {
      throw new PollError('vendor', `PBX answered an error to ${options.what}`);
    }
    // A single record is a one-row list; otherwise an object of records keyed by id.
    records = lowerKeys.includes(options.keyColumn) ? [object] : Object.values(object);
  }
  const rows: Row[] = [];
  for (const record of records) {
    const row = toRow(record, options.columns);
    if (row === undefined) throw new PollError('parse', `unexpected record in the answer to ${options.what}`);
    if ((row[options.keyColumn] ?? '') !== '') rows.push(row);
  }
  return rows;
}

export const parsePeers = (body: string): Row[] => parseTable(body, { keyColumn: 'name', what: 'PEERS', columns: PEER_COLUMNS });
export const parseChannels = (body: string): Row[] =>
  parseTable(body, { keyColumn: 'channel', what: 'CHANNELS', columns: CHANNEL_COLUMNS });
export const parseBlfs = (body: string): Row[] => parseTable(body, { keyColumn: 'st_extension', what: 'BLFS', columns: BLF_COLUMNS });
export const parseFlows = (body: string): Row[] => parseTable(body, { keyColumn: 'fl_number', what: 'FLOWS', columns: FLOW_COLUMNS });

/** INFO extensions; secret-looking fields (passwords, PINs, 2FA, e-mails) are dropped here already. */
export function parseExtensions(body: string): Row[] {
  const trimmed = clean(body);
  const rows =
    trimmed.startsWith('[') || trimmed.startsWith('{')
      ? parseTable(trimmed, { keyColumn: 'ex_number', what: 'INFO extensions' })
      : parseTable(trimmed, { keyColumn: 'number', what: 'INFO extensions', columns: EXTENSION_PLAIN_COLUMNS });
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([name]) => !SECRET_FIELD.test(name))));
}

export interface QueueListItem {
  id: string;
  name: string;
}

/** INFO queues: JSON `{ "<id>": "<name>" }`, plain `<id>: <name>|…`. */
export function parseQueueList(body: string): QueueListItem[] {
  const trimmed = clean(body);
  if (trimmed === '' || trimmed === ']' || trimmed === 'null') return [];
  if (trimmed[0] === '[' || trimmed[0] === '{') {
    const json = parseJsonBody(trimmed, 'INFO queues');
    if (json === undefined) return [];
    if (Array.isArray(json)) {
      // Tolerated variant: a list of `{ id, name }` records.
      return json.flatMap((record) => {
        const row = toRow(record);
        const id = row?.id ?? row?.queue ?? row?.number ?? '';
        return id === '' ? [] : [{ id, name: row?.name ?? row?.label ?? id }];
      });
    }
    return Object.entries(json as Record<string, Json>).map(([id, name]) => ({ id, name: text(name) }));
  }
  const items: QueueListItem[] = [];
  for (const cell of cells(trimmed.replace(/\r?\n/g, '|'))) {
    // A label may contain commas and colons: split on the first colon only.
    const colon = cell.indexOf(':');
    if (colon <= 0) return refuse(trimmed, 'INFO queues');
    items.push({ id: cell.slice(0, colon).trim(), name: cell.slice(colon + 1).trim() });
  }
  return items;
}

/** INFO queue&id=Q: one object (or a one-element array), or plain `FIELD:value|…`; undefined if empty. */
export function parseQueueInfo(body: string): Row | undefined {
  const trimmed = clean(body);
  if (trimmed === '' || trimmed === ']' || trimmed === 'null') return undefined;
  if (trimmed[0] === '[' || trimmed[0] === '{') {
    const json = parseJsonBody(trimmed, 'INFO queue');
    const record = Array.isArray(json) ? json[0] : json;
    if (record === undefined) return undefined;
    const row = toRow(record);
    if (row === undefined) throw new PollError('parse', 'unexpected record in the answer to INFO queue');
    return row;
  }
  const row: Record<string, string> = {};
  for (const cell of cells(trimmed.replace(/\r?\n/g, '|'))) {
    const match = KV_CELL.exec(cell);
    if (!match?.[1]) return refuse(trimmed, 'INFO queue');
    if (!POSITIONAL.test(match[1])) row[match[1].trim().toLowerCase()] = (match[2] ?? '').trim();
  }
  return row;
}

/** One agent of INFO agents: its id and its positional slots (`"0"`, `"1"` …) as text. */
export interface AgentRow {
  agent: string;
  slots: Readonly<Record<string, string>>;
}

/** INFO agents&queue=Q: JSON object keyed by agent id (sparse positional values), plain `<agent>:<state>|`. */
export function parseAgents(body: string): AgentRow[] {
  const trimmed = clean(body);
  if (trimmed === '' || trimmed === ']' || trimmed === 'null') return [];
  if (trimmed[0] === '[' || trimmed[0] === '{') {
    const json = parseJsonBody(trimmed, 'INFO agents');
    if (json === undefined || Array.isArray(json)) return [];
    return Object.entries(json as Record<string, Json>).map(([agent, value]) => {
      const slots: Record<string, string> = {};
      if (Array.isArray(value)) value.forEach((slot, i) => (slots[String(i)] = text(slot)));
      else if (typeof value === 'object' && value !== null) {
        for (const [slot, v] of Object.entries(value)) slots[slot.toLowerCase()] = text(v);
      } else slots['1'] = text(value);
      return { agent, slots };
    });
  }
  const agents: AgentRow[] = [];
  for (const cell of cells(trimmed.replace(/\r?\n/g, '|'))) {
    const colon = cell.lastIndexOf(':');
    if (colon <= 0) return refuse(trimmed, 'INFO agents');
    agents.push({ agent: cell.slice(0, colon).trim(), slots: { '1': cell.slice(colon + 1).trim() } });
  }
  return agents;
}
