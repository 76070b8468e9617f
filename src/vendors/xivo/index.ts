/** The XiVO vendor (web services, CEL polling). See docs/vendors/xivo.md. */
import type { Dispatcher } from 'undici';
import type { BridgeMetrics } from '../../observability/metrics.js';
import type { SourceContext } from '../../sources/source.js';
import type { XivoSourceConfig } from './config.js';
import { XivoSource } from './xivo-source.js';

/**
 * Builds (does not start) a XiVO source.
 *
 * @example
 * const source = createXivoSource(config, { bus, logger, budget, metrics });
 * await source.start();
 */
export function createXivoSource(
  config: XivoSourceConfig,
  context: SourceContext & { metrics?: BridgeMetrics; dispatcher?: Dispatcher },
): XivoSource {
  return new XivoSource({ ...context, config });
}

export { XivoSource, type XivoSourceOptions } from './xivo-source.js';
export { XivoClient, XIVO_PATHS, XIVO_VENDOR_NAME, type XivoClientOptions, type XivoRequestOptions } from './client.js';
export { XivoSourceConfigSchema, XIVO_MAX_CEL_PAGE, XIVO_POLL_TOPICS, type XivoSourceConfig, type XivoPollTopic } from './config.js';
export { CelTracker, parseCelPage, celTimeToIso, peerOf, type CelRow, type CelEffect } from './cel.js';
export { CursorStore } from './cursor-store.js';
