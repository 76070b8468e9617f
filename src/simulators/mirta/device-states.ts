/**
 * Device states (the BLF lamps) derived from peers and channels, with the time each one last
 * changed: a state that did not change keeps its `st_timestamp`, as Asterisk's hint table does.
 */
import type { ChannelRecord, DeviceState, DeviceStateRecord, ExtensionRecord, PeerRecord } from './model-types.js';

/**
 * The Asterisk device state of one extension's phone.
 * @example deviceStateOf(ext, peer, legsOfThatPeer) // 'RINGING'
 */
export function deviceStateOf(
  ext: ExtensionRecord,
  peer: PeerRecord | undefined,
  legs: readonly ChannelRecord[],
): DeviceState {
  if (ext.disabled) return 'INVALID';
  if (!peer || peer.status === 'unregistered' || peer.status === 'unreachable') return 'UNAVAILABLE';
  const ringing = legs.some((leg) => leg.state === 'Ringing');
  const up = legs.filter((leg) => leg.state !== 'Ringing' && leg.state !== 'Down');
  if (ringing && up.length > 0) return 'RINGINUSE';
  if (ringing) return 'RINGING';
  if (up.length === 0) return 'NOT_INUSE';
  // A phone whose every call is on hold shows ONHOLD; one live call makes it INUSE.
  return up.every((leg) => leg.held) ? 'ONHOLD' : 'INUSE';
}

export class DeviceStateBook {
  readonly #states = new Map<string, DeviceStateRecord>();

  /** Records `state` for `hint`; the timestamp moves only when the state changes. */
  set(hint: string, state: DeviceState, now: number): void {
    const current = this.#states.get(hint);
    if (current?.state === state) return;
    this.#states.set(hint, { hint, state, since: now });
  }

  get(hint: string): DeviceStateRecord | undefined {
    return this.#states.get(hint);
  }

  /** Forgets hints no longer configured. */
  retain(hints: ReadonlySet<string>): void {
    for (const hint of this.#states.keys()) if (!hints.has(hint)) this.#states.delete(hint);
  }
}
