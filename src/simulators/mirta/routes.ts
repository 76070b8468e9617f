/** Which handler serves each reqtype, and who may call it. */
import type { AccessRule } from './auth.js';
import { agent, attendedTransfer, dial, hangup, isAgentWrite, setFlow, transfer } from './command-handlers.js';
import type { Handler } from './context.js';
import { EMPTY } from './formats.js';
import { info } from './info-handlers.js';
import { blfs, channels, countChannels, countPeers, flows, help, peers } from './read-handlers.js';

export interface Route {
  readonly handler: Handler;
  readonly access: AccessRule;
}

const READ: AccessRule = { write: false, tenantOptional: false };
/** HELP lists these (and INFO DIDS) as "optional if using the Admin API key". */
const READ_ALL_TENANTS: AccessRule = { write: false, tenantOptional: true };
/** HANGUP, TRANSFER, SETFLOW: HELP says "tenant - optional". */
const WRITE_ANY_TENANT: AccessRule = { write: true, tenantOptional: true };

export const ROUTES: Readonly<Record<string, Route>> = {
  HELP: { handler: help, access: READ },
  PEERS: { handler: peers, access: READ_ALL_TENANTS },
  COUNTPEERS: { handler: countPeers, access: READ_ALL_TENANTS },
  // A tenant key gets `Wrong or missing tenant` here, even with `tenant=`.
  COUNTCHANNELS: { handler: countChannels, access: { ...READ_ALL_TENANTS, tenantKeyRefusal: 'wrongTenant' } },
  BLFS: { handler: blfs, access: READ },
  FLOWS: { handler: flows, access: READ },
  CHANNELS: { handler: channels, access: READ_ALL_TENANTS },
  INFO: { handler: info, access: READ },
  DIAL: { handler: dial, access: { write: true, tenantOptional: false } },
  HANGUP: { handler: hangup, access: WRITE_ANY_TENANT },
  TRANSFER: { handler: transfer, access: WRITE_ANY_TENANT },
  ATXTRANSFER: { handler: attendedTransfer, access: WRITE_ANY_TENANT },
  AGENT: { handler: agent, access: { write: isAgentWrite, tenantOptional: false } },
  SETFLOW: { handler: setFlow, access: WRITE_ANY_TENANT },
};

/** Reqtypes the simulator does not model still check the key, then answer 0 bytes. */
export const UNKNOWN_ROUTE: Route = { handler: () => EMPTY, access: READ };
