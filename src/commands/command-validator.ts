/**
 * Turns an untrusted command body into a ValidatedCommand, or an `invalid_argument` error that
 * names the field. Nothing downstream ever sees a body that did not pass here, so a hostile
 * payload cannot leave a command half-sent.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { COMMAND_ARGS, CommandEnvelopeSchema, type CommandType, type ValidatedCommand } from '../protocol/commands.js';
import { formatPath, zodMessage } from '../util/zod-message.js';

/** Our schemas nest three levels (body > args > fields); anything deeper is not a command. */
const MAX_DEPTH = 6;
/** Keys across the whole body; a real command has a dozen. */
const MAX_KEYS = 256;
/** Longest key any schema accepts is 32 (callback `fields`); longer keys are refused unread. */
const MAX_KEY_LENGTH = 64;
/** Ack messages stay short whatever the payload (zod lists unknown keys verbatim). */
export const MAX_MESSAGE_LENGTH = 300;
/** Keys that reach prototypes when a consumer copies objects by assignment. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const ID_MAX = 128;

export interface ValidCommand {
  command: ValidatedCommand;
  /**
   * Hash of the stable JSON of the validated body minus `id` (which is the key itself): two
   * requests are "the same body" when their fingerprints match.
   */
  fingerprint: string;
}

/**
 * Validates a command body.
 *
 * @param idempotencyKey REST's `Idempotency-Key` header: it is the id; a body `id`, if any,
 *   must equal it.
 * @throws InvalidArgumentError naming the field.
 * @example
 * const { command, fingerprint } = validateCommand(
 *   { id: 'c1', tenant: 'acme', type: 'dial', args: { from: '1001', to: '33170200258' } },
 * );
 */
export function validateCommand(body: unknown, idempotencyKey?: string): ValidCommand {
  if (!isPlainObject(body)) {
    throw invalid(`(root): expected a command object, received ${describe(body)}`);
  }
  const structural = scan(body);
  if (structural !== undefined) throw invalid(structural);

  const withId = applyIdempotencyKey(body, idempotencyKey);
  const envelope = CommandEnvelopeSchema.safeParse(withId);
  if (!envelope.success) throw invalid(zodMessage(envelope.error));
  const { id, tenant, type, source, args: rawArgs } = envelope.data;

  const args = COMMAND_ARGS[type].safeParse(rawArgs);
  if (!args.success) throw invalid(zodMessage(args.error, 'args'));

  const command = { id, tenant, type, args: args.data, ...(source !== undefined ? { source } : {}) } as ValidatedCommand;
  return { command, fingerprint: fingerprintOf(tenant, type, source, args.data) };
}

function applyIdempotencyKey(body: Record<string, unknown>, key: string | undefined): Record<string, unknown> {
  if (key === undefined) return body;
  if (typeof key !== 'string' || key.length < 1 || key.length > ID_MAX) {
    throw invalid(`Idempotency-Key: expected 1 to ${ID_MAX} characters`);
  }
  if (body.id === undefined) return { ...body, id: key };
  if (body.id !== key) throw invalid('id: does not match the Idempotency-Key header');
  return body;
}

function fingerprintOf(tenant: string, type: CommandType, source: string | undefined, args: unknown): string {
  const canonical = stableStringify({ tenant, type, source: source ?? null, args });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every level and `undefined` members dropped. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Structural checks zod does not make: prototype keys (zod's record silently drops
 * `__proto__`, so "accepted but lost" would be the alternative), absurd nesting, key floods,
 * huge keys, and objects that are not plain JSON (Buffers, class instances). Returns the first
 * problem, naming the field, or undefined.
 */
function scan(root: Record<string, unknown>): string | undefined {
  let keysSeen = 0;
  const visit = (value: unknown, path: PropertyKey[]): string | undefined => {
    if (value === null || typeof value !== 'object') return undefined;
    if (path.length >= MAX_DEPTH) return `${formatPath(path)}: nested too deeply`;
    if (Array.isArray(value)) {
      keysSeen += value.length;
      if (keysSeen > MAX_KEYS) return `${formatPath(path)}: too many members`;
      for (let index = 0; index < value.length; index++) {
        const problem = visit(value[index], [...path, index]);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    if (!isPlainObject(value)) return `${formatPath(path)}: expected plain JSON, received ${describe(value)}`;
    const keys = Object.keys(value);
    keysSeen += keys.length;
    if (keysSeen > MAX_KEYS) return `${formatPath(path)}: too many keys`;
    for (const key of keys) {
      if (key.length > MAX_KEY_LENGTH) return `${formatPath(path)}: a key is longer than ${MAX_KEY_LENGTH} characters`;
      if (FORBIDDEN_KEYS.has(key)) return `${formatPath([...path, key])}: key not allowed`;
      const problem = visit(value[key], [...path, key]);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  return visit(root, []);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return value.constructor?.name ? `${value.constructor.name} object`.slice(0, 40) : 'object';
  return typeof value;
}

function invalid(message: string): InvalidArgumentError {
  const short = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
  return new InvalidArgumentError(short);
}
