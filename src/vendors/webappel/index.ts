/** The Axialys WebAppel vendor: `createWebAppelSource` for the source registry, and the parts tests reuse. */
import type { Dispatcher } from 'undici';
import type { BridgeMetrics } from '../../observability/metrics.js';
import type { SourceContext } from '../../sources/source.js';
import type { WebAppelSourceConfig } from './config.js';
import { WebAppelSource, type WebAppelSourceOptions } from './webappel-source.js';

/**
 * Builds (does not start) a WebAppel source.
 *
 * @example
 * const source = createWebAppelSource(config, { bus, logger, budget, metrics });
 * await source.start();
 */
export function createWebAppelSource(
  config: WebAppelSourceConfig,
  context: SourceContext & { metrics?: BridgeMetrics; dispatcher?: Dispatcher },
): WebAppelSource {
  const options: WebAppelSourceOptions = { ...context, config };
  return new WebAppelSource(options);
}

export { WebAppelSource, WEBAPPEL_COMMANDS, toE164, type WebAppelSourceOptions } from './webappel-source.js';
export { WebAppelClient, WEBAPPEL_VENDOR_NAME, type WebAppelClientOptions, type WebAppelRequestOptions } from './client.js';
export { WebAppelSourceConfigSchema, WEBAPPEL_LISTINGS, type WebAppelSourceConfig, type WebAppelListing } from './config.js';
export * as webappelParsers from './parsers.js';
