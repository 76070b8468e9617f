/** 3CX v20 Call Control source: REST snapshot and actions + notification websocket. See docs/vendors/3cx.md. */
export { ThreeCxSourceConfigSchema, callControlWsUrl, type ThreeCxSourceConfig, type ThreeCxSourceConfigInput } from './config.js';
export { ThreeCxSource, createThreeCxSource, type ThreeCxSourceContext } from './threecx-source.js';
export { THREECX_COMMANDS } from './commands.js';
export { parseEntityPath, channelKey, devicePeerKey, type EntityRef } from './entity-path.js';
