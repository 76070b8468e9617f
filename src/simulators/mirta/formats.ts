/**
 * How proxyapi.php writes its answers: pipe-delimited plain text, PHP's `json_encode`, JSONP,
 * and the 0-byte bodies it gives for formats a request does not support.
 */

/** Bad key, missing/unknown tenant, read-only key on a write: all HTTP 200 with this body. */
export const AUTH_ERROR_BODY = 'Too bad... you mistaken the security api key.\n';
export const CONTENT_TYPE_JSON = 'application/json';
export const CONTENT_TYPE_HTML = 'text/html; charset=UTF-8';

export const OUTPUT_FORMATS = ['plain', 'json', 'csv', 'xml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What a JSONP `callback` may be: a dotted JavaScript identifier, nothing that could inject. */
const CALLBACK_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const NON_ASCII = /[\u007f-\uffff]/g;

/** A JSON object whose key order must survive, integer-like keys included (PHP row arrays). */
export class OrderedObject {
  readonly entries: readonly (readonly [string, unknown])[];

  constructor(entries: readonly (readonly [string, unknown])[]) {
    this.entries = entries;
  }
}

/** What a request handler answers, before the requested format is applied. */
export type ApiResult =
  /** Data with a JSON and a plain rendering (and a CSV one where MiRTA has it). */
  | { readonly kind: 'data'; readonly json: unknown; readonly plain: string; readonly csv?: string }
  /** The same bytes whatever the format: error texts, `]`, HELP. */
  | { readonly kind: 'text'; readonly body: string }
  /** MiRTA's 0-byte 200: empty result, unknown `info`, lookup miss. */
  | { readonly kind: 'empty' };

export interface RenderedReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const EMPTY: ApiResult = Object.freeze({ kind: 'empty' });

/** A text answer, identical in every format. */
export function text(body: string): ApiResult {
  return { kind: 'text', body };
}

/** `format=` as MiRTA reads it: anything unknown is plain. */
export function parseFormat(value: string | undefined): OutputFormat {
  const lower = value?.toLowerCase();
  return (OUTPUT_FORMATS as readonly string[]).includes(lower ?? '') ? (lower as OutputFormat) : 'plain';
}

/** The Content-Type follows `format`, even when the body is an error text (1COM-AUDIT A-48). */
export function contentTypeFor(format: OutputFormat): string {
  return format === 'json' ? CONTENT_TYPE_JSON : CONTENT_TYPE_HTML;
}

function phpString(value: string): string {
  // PHP's json_encode escapes `/` and every non-ASCII character unless told otherwise.
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(NON_ASCII, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON as PHP's default `json_encode` writes it (escaped slashes, `\u` escapes).
 * @example encodePhpJson({ Name: '100-DEMO/100-DEMO' }) // '{"Name":"100-DEMO\/100-DEMO"}'
 */
export function encodePhpJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return phpString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(encodePhpJson).join(',')}]`;
  const entries = value instanceof OrderedObject ? value.entries : Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${phpString(key)}:${encodePhpJson(item)}`).join(',')}}`;
}

/** A plain table: a header row of column names, then rows; every line ends with `|`. */
export function plainTable(columns: readonly string[], rows: readonly Readonly<Record<string, string>>[]): string {
  const lines = [columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))];
  return lines.map((cells) => `${cells.join('|')}|`).join('\n') + '\n';
}

/** A plain key/value list on one line: `key:value|key:value|`. */
export function plainKeyValues(entries: Iterable<readonly [string, string | number]>): string {
  let out = '';
  for (const [key, value] of entries) out += `${key}:${value}|`;
  return out;
}

/** A CSV table (only a few requests, such as `info=cdrs`, support it). */
export function csvTable(columns: readonly string[], rows: readonly Readonly<Record<string, string>>[]): string {
  const cell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = [columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))];
  return lines.map((cells) => cells.map(cell).join(',')).join('\n') + '\n';
}

/**
 * An AMI-style command answer: plain `Success|<message>|` (`|<id>|` for DIAL), JSON
 * `{"Response":..,"Message":..[,"ID":..]}`.
 */
export function commandReply(ok: boolean, message: string, id?: string): ApiResult {
  const response = ok ? 'Success' : 'Error';
  const json = id === undefined ? { Response: response, Message: message } : { Response: response, Message: message, ID: id };
  const plain = id === undefined ? `${response}|${message}|` : `${response}|${message}|${id}|`;
  return { kind: 'data', json, plain };
}

/** Applies the format (and JSONP callback) to a handler's result. */
export function renderResult(result: ApiResult, format: OutputFormat, callback?: string): RenderedReply {
  const headers = { 'content-type': contentTypeFor(format) };
  if (result.kind === 'empty') return { status: 200, headers, body: '' };
  if (result.kind === 'text') return { status: 200, headers, body: result.body };
  if (format === 'plain') return { status: 200, headers, body: result.plain };
  if (format === 'csv') return { status: 200, headers, body: result.csv ?? '' };
  // MiRTA answers 0 bytes for xml on every request the bridge uses (A-43, A-52).
  if (format === 'xml') return { status: 200, headers, body: '' };
  const json = encodePhpJson(result.json);
  const body = callback && CALLBACK_NAME.test(callback) ? `${callback}(${json})` : json;
  return { status: 200, headers, body };
}
