import type { EventDraft } from '../../src/bus/event-log.js';

/** A small valid event draft of source `source`: one BLF keyed `key`. */
export const draftOf = (key: string, source: string): EventDraft => ({
  topic: 'blfs',
  type: 'blf.changed',
  key,
  source,
  ts: '2026-11-23T10:00:00.000Z',
  data: { source, observedAt: 'x', extension: key, state: 'idle' },
});

/** `draftOf(key, 'm')`; one parameter, so `['1', '2'].map(draft)` works. */
export const draft = (key: string): EventDraft => draftOf(key, 'm');
