/**
 * A visitor's typed number, to the E.164 digits WebAppel wants (`33170200258`: no `+`), then
 * checked against the widget's patterns. Parsing is libphonenumber-js's: visitors type national
 * forms (`01 70 20 02 58`), `+33 …`, `0033 …`, dots and dashes, and only a real numbering-plan
 * library turns all of those into the same E.164 string — which the per-number limit depends on.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { InvalidArgumentError } from '../errors.js';

/** Longer input is refused before parsing: no number is this long, whatever the separators. */
const MAX_INPUT_CHARS = 40;
const ALLOWED_CHARS = /^[+\d\s().-]+$/;

/**
 * The E.164 digits of `input`, or `invalid_argument` naming the `number` field.
 *
 * @example
 * toE164Digits('01 70 20 02 58', 'FR'); // '33170200258'
 * toE164Digits('+1 415 555 0100');      // '14155550100'
 */
export function toE164Digits(input: string, country?: string): string {
  const text = input.trim();
  if (text.length === 0) throw new InvalidArgumentError('number: is empty');
  if (text.length > MAX_INPUT_CHARS) throw new InvalidArgumentError(`number: longer than ${MAX_INPUT_CHARS} characters`);
  if (!ALLOWED_CHARS.test(text)) throw new InvalidArgumentError('number: may only hold digits, spaces, +, (, ), . and -');
  const parsed = parsePhoneNumberFromString(text, country as CountryCode | undefined);
  if (!parsed?.isPossible()) throw new InvalidArgumentError('number: not a possible phone number (give it with its country code, e.g. +33 1 70 20 02 58)');
  return parsed.number.slice(1);
}

/**
 * `toE164Digits`, then one of `patterns` must match the digits.
 *
 * @example
 * acceptNumber('01 70 20 02 58', { country: 'FR', numbers: [/^33[1-9]\d{8}$/] }); // '33170200258'
 */
export function acceptNumber(input: string, policy: { country?: string | undefined; numbers: readonly RegExp[] }): string {
  const digits = toE164Digits(input, policy.country);
  if (!policy.numbers.some((pattern) => pattern.test(digits))) {
    throw new InvalidArgumentError('number: this number cannot be called back from this page');
  }
  return digits;
}
