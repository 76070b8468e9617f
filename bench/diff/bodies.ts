/**
 * PEERS and BLFS answers of a big tenant, written by the MiRTA simulator's own row and JSON
 * encoders (PHP-style `json_encode`: escaped slashes), so the parsers see what they see in the
 * demo and the tests. `changedEvery` alters one entity in that many, for a snapshot with changes.
 */
import { encodePhpJson } from '../../src/simulators/mirta/formats.js';
import type { DeviceState, PeerRecord, PeerStatus } from '../../src/simulators/mirta/model-types.js';
import { blfRow, peerRow } from '../../src/simulators/mirta/rows.js';

export const BENCH_CODE = 'BENCH';
const FIRST_EXTENSION = 100_000;
const SINCE_S = 1_714_000_000;

/** A realistic mix: most phones registered and idle, some away, a few on calls. */
const STATUSES: readonly PeerStatus[] = ['registered', 'registered', 'registered', 'registered', 'registered', 'registered', 'lagged', 'unreachable', 'unregistered', 'unmonitored'];
const DEVICE_STATES: readonly DeviceState[] = ['NOT_INUSE', 'NOT_INUSE', 'NOT_INUSE', 'NOT_INUSE', 'NOT_INUSE', 'INUSE', 'RINGING', 'ONHOLD', 'UNAVAILABLE', 'BUSY'];

export interface VendorBodies {
  readonly peers: string;
  readonly blfs: string;
  /** Entities changed in each topic relative to the unchanged bodies. */
  readonly changedPerTopic: number;
}

function peer(i: number, changed: boolean): PeerRecord {
  const base = STATUSES[i % STATUSES.length] ?? 'registered';
  // A changed peer lost (or regained) its registration: one `peer.*` event whatever it was.
  const status: PeerStatus = changed ? (base === 'unreachable' || base === 'unregistered' ? 'registered' : 'unreachable') : base;
  return {
    name: `${FIRST_EXTENSION + i}-${BENCH_CODE}`,
    tenant: BENCH_CODE,
    extension: String(FIRST_EXTENSION + i),
    node: `pbx${(i % 4) + 1}`,
    status,
    host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 5060,
    latencyMs: 10 + (i % 90),
  };
}

function blf(i: number, changed: boolean): { hint: string; state: DeviceState; since: number } {
  const state = DEVICE_STATES[i % DEVICE_STATES.length] ?? 'NOT_INUSE';
  return {
    hint: `${FIRST_EXTENSION + i}-${BENCH_CODE}`,
    // A changed BLF went from whatever it was to ringing (or from ringing to idle).
    state: changed ? (state === 'RINGING' ? 'NOT_INUSE' : 'RINGING') : state,
    since: (SINCE_S + i + (changed ? 60 : 0)) * 1000,
  };
}

/**
 * @example
 * const unchanged = vendorBodies(10_000);
 * const onePercent = vendorBodies(10_000, 100);
 */
export function vendorBodies(count: number, changedEvery = 0): VendorBodies {
  const isChanged = (i: number) => changedEvery > 0 && i % changedEvery === 0;
  const peerRows = Array.from({ length: count }, (_, i) => peerRow(peer(i, isChanged(i))));
  const blfRows = Array.from({ length: count }, (_, i) => {
    const { hint, state, since } = blf(i, isChanged(i));
    return blfRow(hint, state, since);
  });
  return {
    peers: encodePhpJson(peerRows),
    blfs: encodePhpJson(blfRows),
    changedPerTopic: changedEvery > 0 ? Math.ceil(count / changedEvery) : 0,
  };
}
