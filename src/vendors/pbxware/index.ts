/** The Bicom PBXware vendor (HTTP API polling: extensions, CDRs, packages). See docs/vendors/pbxware.md. */
import type { Dispatcher } from 'undici';
import type { BridgeMetrics } from '../../observability/metrics.js';
import type { SourceContext } from '../../sources/source.js';
import type { PbxwareSourceConfig } from './config.js';
import { PbxwareSource } from './pbxware-source.js';

/**
 * Builds (does not start) a PBXware source.
 *
 * @example
 * const source = createPbxwareSource(config, { bus, logger, budget, metrics });
 * await source.start();
 */
export function createPbxwareSource(
  config: PbxwareSourceConfig,
  context: SourceContext & { metrics?: BridgeMetrics; dispatcher?: Dispatcher },
): PbxwareSource {
  return new PbxwareSource({ ...context, config });
}

export { PbxwareSource, type PbxwareSourceOptions } from './pbxware-source.js';
export { PbxwareClient, DEFAULT_MAX_BODY_BYTES, type PbxwareAction, type PbxwareClientOptions, type PbxwareRequestOptions } from './client.js';
export { PbxwareSourceConfigSchema, PBXWARE_MAX_CDR_PAGE, PBXWARE_MIN_KEY_LENGTH, PBXWARE_POLL_TOPICS, type PbxwareSourceConfig, type PbxwarePollTopic } from './config.js';
export { PBXWARE_VENDOR_NAME, KEY_REFUSED_MESSAGE, PbxwareVendorError, pbxwareErrorFromBody, vendorErrorText, isNoRecordsError } from './vendor-errors.js';
export { CdrCursorStore, type TenantCdrCursor } from './cdr-cursor-store.js';
export { CdrFollower, type CdrFollowerOptions, type CdrPollResult } from './cdr-follower.js';
export { pbxDateTime, wallClockToEpoch, cdrTimeToEpoch, MONTHS } from './pbx-time.js';
export { tenantInfos, packageLimits, type TenantInfo, type PackageInfo } from './tenant-directory.js';
export * as pbxwareParsers from './parsers.js';
export * as pbxwareNormalizer from './normalizer.js';
