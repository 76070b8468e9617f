/**
 * Answers to DIAL / HANGUP / TRANSFER / ATXTRANSFER / AGENT / SETFLOW (docs/vendors/mirta.md
 * "Command replies"): AMI-style `Success|<message>|[<id>|]` or `{"Response","Message","ID"}`.
 */
import { cells, clean, isMirtaAuthError, toRow } from './parsers.js';

type Json = unknown;

export type CommandReply =
  | { kind: 'success'; message: string; id?: string }
  | { kind: 'error'; message: string }
  | { kind: 'auth' }
  | { kind: 'empty' }
  | { kind: 'other'; message: string };

const MAX_MESSAGE = 200;
/** Vendor text made safe to show: one line, printable, bounded. */
export function shortMessage(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_MESSAGE);
}

/** DIAL / HANGUP / TRANSFER / ATXTRANSFER / AGENT / SETFLOW answers, plain or JSON. */
export function parseCommandReply(body: string): CommandReply {
  const trimmed = clean(body);
  if (trimmed === '') return { kind: 'empty' };
  if (isMirtaAuthError(trimmed)) return { kind: 'auth' };
  let response = '';
  let message = '';
  let id = '';
  if (trimmed[0] === '{' || trimmed[0] === '[') {
    let json: Json;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return { kind: 'other', message: 'unparseable answer' };
    }
    const row = toRow(Array.isArray(json) ? json[0] : json);
    if (!row) return { kind: 'other', message: 'unexpected answer' };
    response = row.response ?? row.status ?? '';
    message = row.message ?? '';
    id = row.id ?? row.actionid ?? '';
  } else {
    const parts = cells(trimmed.split(/\r?\n/)[0] ?? '');
    response = parts[0] ?? '';
    message = parts[1] ?? '';
    id = parts[2] ?? '';
  }
  const verdict = response.trim().toLowerCase();
  if (verdict === 'success') {
    const reply: CommandReply = { kind: 'success', message: shortMessage(message) };
    if (id.trim() !== '') reply.id = shortMessage(id);
    return reply;
  }
  if (verdict === 'error' || verdict === 'failure' || verdict === 'failed') {
    return { kind: 'error', message: shortMessage(message) || 'refused' };
  }
  // Not the Success|Error form: a short vendor text like "No extension specified", or garbage.
  const firstLine = shortMessage(trimmed.split(/\r?\n/, 1)[0] ?? '');
  const looksLikeText = firstLine.length > 0 && firstLine.length <= 120 && !/[<>{}]/.test(firstLine);
  return { kind: 'other', message: looksLikeText ? firstLine : 'unexpected answer' };
}
