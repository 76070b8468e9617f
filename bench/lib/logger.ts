/**
 * The logger benches give the bridge: the app's own pino setup at `info`, written the way pino
 * writes stdout by default (an asynchronous SonicBoom) but to /dev/null, so log lines (the
 * command audit line, for one) cost what they cost in production without flooding the terminal.
 * `LOG=silent` drops them before serialization instead.
 */
import pino, { type Logger } from 'pino';
import { createLogger } from '../../src/util/logger.js';
import { choiceKnob } from './knobs.js';

export interface BenchLogger {
  readonly logger: Logger;
  readonly mode: 'devnull' | 'silent';
  close(): void;
}

export function benchLogger(): BenchLogger {
  const mode = choiceKnob('LOG', ['devnull', 'silent'] as const, 'devnull');
  const sink = pino.destination({ dest: '/dev/null', sync: false });
  const logger = createLogger({ level: mode === 'silent' ? 'silent' : 'info', destination: sink });
  return { logger, mode, close: () => sink.end() };
}
