/** Building acks and HTTP error bodies (protocol §4): every failure becomes a WireError. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { InternalError, InvalidArgumentError, isBridgeError, type WireError } from '../errors.js';
import type { AckError } from '../protocol/messages.js';
import { zodMessage } from '../util/zod-message.js';

/** Error messages are cut here: a hostile payload's key names must not bloat the answer. */
const MAX_MESSAGE_LENGTH = 300;

/**
 * The wire form of any thrown value. BridgeErrors keep their code; anything else is a bug:
 * logged with a fresh correlation id, which is all the client learns.
 */
export function toWireError(err: unknown, logger: Logger, context: Record<string, unknown> = {}): WireError {
  if (isBridgeError(err)) {
    const wire = err.toWire();
    return wire.message.length > MAX_MESSAGE_LENGTH ? { ...wire, message: `${wire.message.slice(0, MAX_MESSAGE_LENGTH)}…` } : wire;
  }
  const correlationId = randomUUID();
  logger.error({ err, correlationId, ...context }, 'unexpected error');
  return new InternalError(correlationId).toWire();
}

export function errorAck(err: unknown, logger: Logger, context: Record<string, unknown> = {}): AckError {
  return { ok: false, error: toWireError(err, logger, context) };
}

/** Parses with `schema` or throws `invalid_argument` naming the field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(zodMessage(parsed.error, prefix));
  return parsed.data;
}
