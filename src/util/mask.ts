/**
 * Masking of personal data for logs: phone numbers keep their last 4 characters behind a
 * fixed-width mask (`••••0258`), so a log reader can tell calls apart without learning who
 * was called. The mask has a fixed width so it does not leak the number's length either.
 */

export const MASK = '••••';
const VISIBLE_TAIL = 4;

/**
 * Masks one phone number or extension.
 *
 * @example
 * maskPhone('33170200258'); // '••••0258'
 * maskPhone('1001');        // '••••1001' (short values stay recognisable, still marked masked)
 */
export function maskPhone(value: string): string {
  return MASK + value.slice(-VISIBLE_TAIL);
}

/**
 * Digit runs of 5+ digits, allowing the separators people type (`+33 1 70 20 02 58`,
 * `01.70.20.02.58`). Four digits or fewer (extensions, years, ports) are left alone.
 */
const PHONE_IN_TEXT = /\+?\d(?:[\s.()-]{0,2}\d){4,}/g;

/**
 * Masks every phone-number-looking run inside free text (vendor error messages can echo the
 * number that was dialled).
 *
 * @example
 * maskPhonesInText('number 33170200258 is barred'); // 'number ••••0258 is barred'
 */
export function maskPhonesInText(text: string): string {
  return text.replace(PHONE_IN_TEXT, (match) => maskPhone(match.replace(/[^\d]/g, '')));
}
