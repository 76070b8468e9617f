/**
 * WebAppel answers (seed 002, vendors README §5.1/§5.1b): plain text, `OK`, a tracking id, or
 * `;`-separated rows without a header. Anything else is the vendor's error text.
 */
import type { WebAppelListing } from './config.js';

/** `appel_listing` columns, in the seed's order. */
export const APPEL_LISTING_COLUMNS = [
  'id_tracking',
  'date_time',
  'delais',
  'dt',
  'ip',
  'duree_sonnerie',
  'duree_appel',
  'type_dest',
  'prix',
  'nom',
  'usr1',
  'usr2',
  'usr3',
  'provenance',
  'etat',
] as const;

/** `appels_resume` columns, in the seed's order. */
export const APPELS_RESUME_COLUMNS = [
  'id_tracking',
  'id_popup',
  'date_time',
  'delais',
  'ip',
  'duree_appel',
  'nom',
  'usr1',
  'usr2',
  'usr3',
  'etat',
] as const;

export const LISTING_COLUMNS: Readonly<Record<WebAppelListing, readonly string[]>> = {
  appel_listing: APPEL_LISTING_COLUMNS,
  appels_resume: APPELS_RESUME_COLUMNS,
};

export type ListingRow = Readonly<Record<string, string>> & { readonly id_tracking: string; readonly etat: string };

/** A tracking id as the bridge accepts it (the documented example is `8`). */
const TRACKING_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export type AppelReply = { ok: true; trackingId: string } | { ok: false; text: string };

/** `appel`'s answer: a bare id (`8`) or `OK;8`. `OK` alone or any other text is a refusal. */
export function parseAppelReply(body: string): AppelReply {
  const text = body.replace(/^\uFEFF/, '').trim();
  const prefixed = /^OK\s*[;:]\s*([A-Za-z0-9_-]{1,64})$/i.exec(text);
  if (prefixed?.[1] !== undefined) return { ok: true, trackingId: prefixed[1] };
  if (/^\d{1,64}$/.test(text)) return { ok: true, trackingId: text };
  return { ok: false, text };
}

/** `OK` (any case, surrounding blanks) is success; anything else is the vendor's refusal. */
export function isOk(body: string): boolean {
  return body.replace(/^\uFEFF/, '').trim().toUpperCase() === 'OK';
}

export function isTrackingId(value: string): boolean {
  return TRACKING_ID_RE.test(value);
}

export type ListingReply = { ok: true; rows: ListingRow[] } | { ok: false; text: string };

/**
 * A listing: one row per non-empty line. The answer is an error text unless every line has the
 * listing's column count (a `;` inside a name would shift the columns, so it is not guessed).
 */
export function parseListing(body: string, listing: WebAppelListing): ListingReply {
  const columns = LISTING_COLUMNS[listing];
  const text = body.replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) return { ok: true, rows: [] };
  const rows: ListingRow[] = [];
  for (const line of lines) {
    const cells = line.split(';');
    // Some exports end each line with a `;`.
    if (cells.length === columns.length + 1 && cells.at(-1)?.trim() === '') cells.pop();
    if (cells.length !== columns.length) return { ok: false, text: text.trim() };
    const row: Record<string, string> = {};
    columns.forEach((name, i) => {
      row[name] = (cells[i] ?? '').trim();
    });
    if (!isTrackingId(row.id_tracking ?? '')) return { ok: false, text: text.trim() };
    rows.push(row as ListingRow);
  }
  return { ok: true, rows };
}

export type CallbackFinalState = 'completed' | 'failed' | 'cancelled';

/** `etat` (final state) -> the protocol's state; unknown words are a failure, kept as reason. */
export function mapEtat(etat: string): { state: CallbackFinalState; reason?: string } {
  const word = etat.trim().toUpperCase();
  switch (word) {
    case 'OK':
      return { state: 'completed' };
    case 'ECHEC':
      return { state: 'failed', reason: 'ECHEC' };
    case 'ANNULE':
    case 'ANNULÉ':
      return { state: 'cancelled' };
    default:
      return { state: 'failed', reason: etat.trim() === '' ? 'no state reported' : etat.trim() };
  }
}

/** An error text that says the login was refused (simulated and guessed wordings). */
export function looksLikeAuthError(text: string): boolean {
  return /identifiant|login|mot de passe|password|\bpass\b|authent|acc[eè]s refus/i.test(text);
}
