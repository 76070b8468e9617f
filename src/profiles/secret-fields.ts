/**
 * Profile secrets are write-only: every answer shows them as `••••1234`, and a masked value sent
 * back (a client PATCHing what it read) means "keep the stored one". Which fields are secrets:
 * the ones each profile type declares, plus any field whose name the logger also redacts, at
 * any depth, so a vendor that adds a `token` is masked before anyone remembers to declare it.
 */
import { InvalidArgumentError } from '../errors.js';
import { MASK } from '../util/mask.js';

/** Lower-cased names that are secrets whatever the vendor (as in REDACT_PATHS, and then some). */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'key',
  'apikey',
  'password',
  'pass',
  'secret',
  'clientsecret',
  'token',
  'authtoken',
  'auth_token',
  'jwtsecret',
  'licensekey',
]);

/** A secret shorter than this shows no tail at all: four characters of six would say too much. */
const MIN_LENGTH_FOR_TAIL = 12;
const VISIBLE_TAIL = 4;

type Settings = Readonly<Record<string, unknown>>;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isSecretField(name: string, declared: readonly string[]): boolean {
  return declared.includes(name) || SECRET_NAMES.has(name.toLowerCase());
}

/**
 * The mask of one secret: a fixed-width prefix and the last 4 characters of a long one.
 *
 * @example
 * maskSecret('ABCDEF0123456789'); // '••••6789'
 * maskSecret('short');            // '••••'
 */
export function maskSecret(value: string): string {
  return value.length >= MIN_LENGTH_FOR_TAIL ? MASK + value.slice(-VISIBLE_TAIL) : MASK;
}

/** True for a value that came from a mask (`••••…`): it carries no secret. */
export function isMasked(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(MASK);
}

/**
 * A deep copy of `settings` with every secret masked (a non-string secret becomes the bare
 * mask: its type is not news, its value is).
 *
 * @example
 * maskSettings({ url: 'https://pbx', key: 'k-0123456789abcdef' }, ['key']); // { url: 'https://pbx', key: '••••cdef' }
 */
export function maskSettings(settings: Settings, declared: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (isSecretField(name, declared)) out[name] = typeof value === 'string' ? maskSecret(value) : MASK;
    else if (isPlainObject(value)) out[name] = maskSettings(value, []);
    else out[name] = value;
  }
  return out;
}

/**
 * Replaces masked secrets in `incoming` by the stored ones from `stored` ("unchanged"). A masked
 * value with nothing stored behind it is `invalid_argument`: a mask cannot set a secret.
 *
 * @example
 * keepMaskedSecrets({ key: '••••cdef' }, { key: 'k-0123456789abcdef' }, ['key']); // { key: 'k-0123456789abcdef' }
 */
export function keepMaskedSecrets(
  incoming: Settings,
  stored: Settings | undefined,
  declared: readonly string[],
  path = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(incoming)) {
    const at = path === '' ? name : `${path}.${name}`;
    const previous = stored?.[name];
    if (isSecretField(name, declared) && isMasked(value)) {
      if (typeof previous !== 'string') {
        throw new InvalidArgumentError(`${at}: a masked value keeps the stored secret, but none is stored; send the secret itself`);
      }
      out[name] = previous;
    } else if (isPlainObject(value)) {
      out[name] = keepMaskedSecrets(value, isPlainObject(previous) ? previous : undefined, [], at);
    } else {
      out[name] = value;
    }
  }
  return out;
}
