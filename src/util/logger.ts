import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Object paths pino blanks out. pino's `redact` only sees object paths: a secret inside a string
 * (a vendor URL with `key=` in its query) is NOT caught, so vendor URLs are never logged at all.
 */
export const REDACT_PATHS: readonly string[] = [
  'key',
  'apiKey',
  'password',
  'pass',
  'token',
  'authToken',
  'auth_token',
  'jwtSecret',
  'clientSecret',
  'secret',
  'authorization',
  '*.key',
  '*.apiKey',
  '*.password',
  '*.pass',
  '*.token',
  '*.authToken',
  '*.auth_token',
  '*.jwtSecret',
  '*.clientSecret',
  '*.secret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-auth-token"]',
];

export interface LoggerOptions {
  level?: string;
  /** Where to write; tests pass a stream to read the lines back. */
  destination?: DestinationStream;
  /** Pretty-print (pino-pretty) instead of JSON; defaults to stdout being a terminal. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const base = { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    try {
      return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
    } catch {
      // pino-pretty is a dev dependency: a production install falls back to JSON.
    }
  }
  return pino(base);
}

export type { Logger };

/**
 * A child logger with `fields` bound, leaving out those the parent already binds to the same
 * value. pino does not merge bindings: a source whose logger the SourceManager has already bound
 * to `source` would otherwise print `"source":"x","source":"x"` in every line.
 */
export function childWith(logger: Logger, fields: Readonly<Record<string, string>>): Logger {
  const bound = logger.bindings();
  const missing = Object.fromEntries(Object.entries(fields).filter(([name, value]) => bound[name] !== value));
  return Object.keys(missing).length === 0 ? logger : logger.child(missing);
}
