/**
 * The one place where a PBXware `{"error": "<text>"}` body becomes a poll failure. The texts are
 * the vendor's (vendors README §4.1: `Invalid API key.`); only the refused-key case is told
 * apart, by its wording, since PBXware gives no error code.
 */
import { PollError } from '../../pollers/poll-error.js';

export const PBXWARE_VENDOR_NAME = 'PBXware';
export const KEY_REFUSED_MESSAGE = `${PBXWARE_VENDOR_NAME} refused the API key`;

/**
 * `Invalid API key.` and its likely siblings (missing, expired, disabled, not allowed). A text
 * that merely mentions the key (an echoed query) is not a refusal of it.
 */
const KEY_REFUSED =
  /\b(?:invalid|wrong|bad|missing|unknown|expired|disabled|revoked)\s+api[\s_-]?key\b|\bapi[\s_-]?key\b[^.]*\b(?:invalid|not valid|expired|disabled|revoked|required|missing|not allowed|no permission)\b/i;
/**
 * CDR searches that find nothing may come back as an error text rather than an empty list
 * (unconfirmed: both are accepted as "no rows").
 */
const NO_RECORDS = /^\s*no (?:cdrs?|records?|results?|data)(?: (?:found|available))?\.?\s*$/i;

/** A poll refused by PBXware: `text` is the vendor's message, already stripped of the key. */
export class PbxwareVendorError extends PollError {
  readonly text: string;
  constructor(reason: 'auth' | 'vendor', message: string, text: string) {
    super(reason, message);
    this.text = text;
  }
}

/** The `error` text of a body, or undefined when the body is not a refusal. */
export function vendorErrorText(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !('error' in data)) return undefined;
  const value = (data as { error: unknown }).error;
  if (typeof value === 'string') return value;
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

/**
 * The failure for an error body. The key-refused text is replaced by a fixed message: whatever
 * PBXware says about the key stays out of events.
 *
 * @example
 * pbxwareErrorFromBody('Invalid API key.', 'pbxware.ext.list').reason; // 'auth'
 */
export function pbxwareErrorFromBody(text: string, action: string): PbxwareVendorError {
  if (KEY_REFUSED.test(text)) return new PbxwareVendorError('auth', KEY_REFUSED_MESSAGE, text);
  const shown = text === '' ? 'an empty error' : text;
  return new PbxwareVendorError('vendor', `${PBXWARE_VENDOR_NAME} refused ${action}: ${shown}`, text);
}

/** True for a refusal that only means "the search found nothing". */
export function isNoRecordsError(err: unknown): boolean {
  return err instanceof PbxwareVendorError && NO_RECORDS.test(err.text);
}
