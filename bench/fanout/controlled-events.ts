/**
 * The events of the controlled phases: `blf.changed` on `blfs`, shaped like the MiRTA
 * normalizer's (with a `raw` vendor record that the fan-out strips), plus `data.sentAt`, the
 * parent-clock time just before the publish/emit call.
 */
import type { EventDraft } from '../../src/bus/event-log.js';
import type { Blf } from '../../src/protocol/entities.js';
import type { BridgeEvent } from '../../src/protocol/events.js';

export const PUBLISHER_SOURCE = 'bench-publisher';
/** Distinct keys cycled through: the state store stays bounded. */
const KEY_SPACE = 500;
/**
 * Keys no MiRTA entity can have. The state store keys entities by tenant + topic + key, not by
 * source: a `1000-BENCH` here would overwrite the polled BLF of extension 1000, and the source
 * would re-add it (one event per entity) at every poll.
 */
const KEY_PREFIX = 'pub';
const STATES: readonly Blf['state'][] = ['idle', 'ringing', 'inuse', 'onhold', 'idle', 'busy'];
const VENDOR_STATE: Readonly<Record<Blf['state'], string>> = {
  idle: 'NOT_INUSE',
  ringing: 'RINGING',
  inuse: 'INUSE',
  onhold: 'ONHOLD',
  busy: 'BUSY',
  unavailable: 'UNAVAILABLE',
  unknown: 'UNKNOWN',
};

export function controlledDraft(index: number, sentAt: number, ts: string): EventDraft {
  const extension = `${KEY_PREFIX}${index % KEY_SPACE}`;
  const hint = `${extension}-BENCH`;
  const state = STATES[index % STATES.length] ?? 'idle';
  const data: Blf = {
    source: PUBLISHER_SOURCE,
    observedAt: ts,
    extension,
    state,
    hint,
    since: ts,
    sentAt,
    raw: { st_extension: hint, st_state: VENDOR_STATE[state], st_timestamp: String(Math.floor(sentAt / 1000)) },
  };
  return { topic: 'blfs', type: 'blf.changed', key: hint, source: PUBLISHER_SOURCE, ts, data };
}

/** What a subscriber without `raw` receives for `draft`: the raw server sends exactly this. */
export function wireEvent(seq: number, tenant: string, draft: EventDraft): BridgeEvent {
  const { raw: _raw, ...data } = draft.data;
  return { seq, tenant, ...draft, data: data as BridgeEvent['data'] };
}
