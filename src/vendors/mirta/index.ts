/** The MiRTA vendor: `createMirtaSource` for the source registry, and the parts tests reuse. */
import type { Dispatcher } from 'undici';
import type { BridgeMetrics } from '../../observability/metrics.js';
import type { SourceContext } from '../../sources/source.js';
import type { MirtaSourceConfig } from './config.js';
import { MirtaSource, type MirtaSourceOptions } from './mirta-source.js';

/**
 * Builds (does not start) a MiRTA source.
 *
 * @example
 * const source = createMirtaSource(config, { bus, logger, budget, metrics });
 * await source.start();
 */
export function createMirtaSource(
  config: MirtaSourceConfig,
  context: SourceContext & { metrics?: BridgeMetrics; dispatcher?: Dispatcher },
): MirtaSource {
  const options: MirtaSourceOptions = { ...context, config };
  return new MirtaSource(options);
}

export { MirtaSource, MIN_POLL_TIMEOUT_MS, pollTimeoutMs, type MirtaSourceOptions } from './mirta-source.js';
export { MirtaClient, MIRTA_VENDOR_NAME, DEFAULT_MAX_BODY_BYTES, type MirtaClientOptions, type MirtaRequestOptions, type MirtaRequestKind } from './client.js';
export { MIRTA_COMMANDS, planCommand, commandOutcome, tenantExtension, type MirtaCommandPlan } from './commands.js';
export { MirtaSourceConfigSchema, MIRTA_POLL_TOPICS, type MirtaSourceConfig, type MirtaPollTopic } from './config.js';
export * as mirtaParsers from './parsers.js';
export * as mirtaNormalizer from './normalizer.js';
export { parseCommandReply, shortMessage, type CommandReply } from './command-reply.js';
