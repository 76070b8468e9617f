/** A real pino logger (the app's createLogger) whose JSON lines tests can read back. */
import type { Logger } from 'pino';
import { createLogger } from '../../src/util/logger.js';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, joined. */
  text(): string;
  lines(): readonly string[];
}

export function captureLogger(level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, text: () => lines.join(''), lines: () => lines };
}
