/** Kazoo (2600Hz) source: crossbar REST + blackhole websocket. See docs/vendors/kazoo.md. */
export { KazooSourceConfigSchema, type KazooSourceConfig, type KazooSourceConfigInput } from './config.js';
export { KazooSource, createKazooSource, type KazooSourceContext } from './kazoo-source.js';
export { gregorianToIso, toGregorian, COMMAND_ID_CAV, GREGORIAN_UNIX_OFFSET_SEC } from './normalizer.js';
export { CALL_BINDINGS, CALL_EVENT_NAMES, type CallEventName } from './wire.js';
