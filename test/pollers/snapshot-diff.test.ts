import { describe, expect, it } from 'vitest';
import type { Blf, Channel, Entity } from '../../src/protocol/entities.js';
import { changedFields, diffSnapshots } from '../../src/pollers/snapshot-diff.js';
import { eventTypeFor } from '../../src/pollers/event-types.js';

const blf = (extension: string, state: Blf['state'], observedAt = '2026-11-23T10:00:00.000Z'): Blf => ({
  source: 'm',
  observedAt,
  extension,
  state,
});
const map = (...entities: Blf[]): Map<string, Entity> => new Map(entities.map((e) => [e.extension, e]));

describe('diffSnapshots', () => {
  it('emits nothing for an unchanged snapshot, even when observedAt moved', () => {
    const before = map(blf('100', 'idle'), blf('101', 'inuse'));
    const after = map(blf('100', 'idle', '2026-11-23T10:00:05.000Z'), blf('101', 'inuse', '2026-11-23T10:00:05.000Z'));
    expect(diffSnapshots(before, after)).toEqual([]);
  });

  it('reports additions, updates with changed fields, and removals with the last state', () => {
    const before = map(blf('100', 'idle'), blf('101', 'inuse'));
    const after = map(blf('100', 'ringing'), blf('102', 'idle'));
    const changes = diffSnapshots(before, after);
    expect(changes.map((c) => [c.kind, c.key])).toEqual([
      ['updated', '100'],
      ['added', '102'],
      ['removed', '101'],
    ]);
    expect(changes[0]?.changed).toEqual(['state']);
    expect(changes[2]?.entity).toMatchObject({ extension: '101', state: 'inuse' });
  });

  it('counts a field that disappeared as changed', () => {
    const a = { source: 'm', observedAt: 'x', name: 'p', status: 'registered', latencyMs: 12 } as Entity;
    const b = { source: 'm', observedAt: 'y', name: 'p', status: 'unreachable' } as Entity;
    expect(changedFields(a, b).sort()).toEqual(['latencyMs', 'status']);
  });

  it('ignores the vendor raw record when comparing', () => {
    const a = { ...blf('100', 'idle'), raw: { st_timestamp: '1' } };
    const b = { ...blf('100', 'idle'), raw: { st_timestamp: '2' } };
    expect(diffSnapshots(map(a), map(b))).toEqual([]);
  });

  it('is linear: 50,000 entities diff in one pass', () => {
    const size = 50_000;
    const before = new Map<string, Entity>();
    const after = new Map<string, Entity>();
    for (let i = 0; i < size; i++) {
      before.set(String(i), blf(String(i), 'idle'));
      after.set(String(i), blf(String(i), i % 1000 === 0 ? 'inuse' : 'idle'));
    }
    const changes = diffSnapshots(before, after);
    expect(changes).toHaveLength(50);
    expect(changes.every((c) => c.kind === 'updated' && c.changed?.[0] === 'state')).toBe(true);
  });
});

describe('eventTypeFor', () => {
  const peer = (status: string) => ({ source: 'm', observedAt: 'x', name: '100-D', status }) as Entity;
  const agent = (paused: boolean) =>
    ({ source: 'm', observedAt: 'x', queue: 'q', agent: 'a', status: paused ? 'paused' : 'available', paused }) as Entity;
  const channel = { source: 'm', observedAt: 'x', channel: 'SIP/1', state: 'up', startedAt: 'x' } satisfies Channel;

  it('maps peer registration transitions', () => {
    expect(eventTypeFor('peers', { kind: 'added', key: 'p', entity: peer('registered') })).toBe('peer.registered');
    expect(eventTypeFor('peers', { kind: 'updated', key: 'p', entity: peer('unreachable'), previous: peer('registered') })).toBe(
      'peer.unregistered',
    );
    expect(eventTypeFor('peers', { kind: 'updated', key: 'p', entity: peer('registered'), previous: peer('unknown') })).toBe(
      'peer.registered',
    );
    expect(eventTypeFor('peers', { kind: 'updated', key: 'p', entity: peer('unknown'), previous: peer('unreachable') })).toBe(
      'peer.updated',
    );
    expect(eventTypeFor('peers', { kind: 'removed', key: 'p', entity: peer('registered') })).toBe('peer.removed');
  });

  it('maps agent pause transitions', () => {
    expect(eventTypeFor('agents', { kind: 'updated', key: 'q/a', entity: agent(true), previous: agent(false) })).toBe('agent.paused');
    expect(eventTypeFor('agents', { kind: 'updated', key: 'q/a', entity: agent(false), previous: agent(true) })).toBe('agent.unpaused');
    expect(eventTypeFor('agents', { kind: 'added', key: 'q/a', entity: agent(false) })).toBe('agent.added');
  });

  it('maps channel lifecycle', () => {
    expect(eventTypeFor('channels', { kind: 'added', key: 'c', entity: channel })).toBe('channel.created');
    expect(eventTypeFor('channels', { kind: 'updated', key: 'c', entity: channel, previous: channel })).toBe('channel.updated');
    expect(eventTypeFor('channels', { kind: 'removed', key: 'c', entity: channel })).toBe('channel.hungup');
  });
});
