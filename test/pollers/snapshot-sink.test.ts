/**
 * Regression (found by bench/fanout): two sources of one tenant reporting the same key used to
 * overwrite each other, so every poll of each "re-added" the entity and republished it. Now the
 * first owner keeps the key, the other source's entity is ignored, and polls are quiet.
 */
import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/protocol/entities.js';
import { SnapshotSink, type KeyConflictHandler } from '../../src/pollers/snapshot-sink.js';
import { captureLogger } from '../support/log-capture.js';
import { memoryBus } from '../support/memory-bus.js';

const agent = (source: string, status: 'available' | 'paused'): Entity => ({
  source,
  observedAt: new Date().toISOString(),
  queue: '281',
  agent: '101',
  status,
  paused: status === 'paused',
});

function setup() {
  const bus = memoryBus(captureLogger().logger, 1000, 60_000);
  const conflicts: Parameters<KeyConflictHandler>[0][] = [];
  const sink = (source: string) => new SnapshotSink({ bus, source, onConflict: (c) => conflicts.push(c) });
  return { bus, conflicts, a: sink('pbx-a'), b: sink('pbx-b') };
}

describe('SnapshotSink', () => {
  it('keeps a key with its first source and keeps polls of a colliding source quiet', async () => {
    const { bus, conflicts, a, b } = setup();
    const events: string[] = [];
    bus.onEvent((e) => events.push(`${e.source}:${e.type}`));
    for (let round = 0; round < 3; round++) {
      await a.replace('acme', 'agents', () => new Map([['281/101', agent('pbx-a', 'available')]]));
      await b.replace('acme', 'agents', () => new Map([['281/101', agent('pbx-b', 'paused')]]));
    }
    expect(events).toEqual(['pbx-a:agent.added']);
    expect(conflicts).toEqual([{ tenant: 'acme', topic: 'agents', key: '281/101', owner: 'pbx-a' }]);
    expect((await bus.entities('acme', 'agents')).get('281/101')?.source).toBe('pbx-a');
    // The owner's changes still flow, and its removal frees the key.
    await a.replace('acme', 'agents', () => new Map([['281/101', agent('pbx-a', 'paused')]]));
    await a.replace('acme', 'agents', () => new Map());
    await b.replace('acme', 'agents', () => new Map([['281/101', agent('pbx-b', 'paused')]]));
    expect(events).toEqual(['pbx-a:agent.added', 'pbx-a:agent.paused', 'pbx-a:agent.removed', 'pbx-b:agent.added']);
  });

  it('applies the same rule to patches from event-driven sources', async () => {
    const { bus, conflicts, a, b } = setup();
    await a.patch('acme', 'agents', new Map([['281/101', agent('pbx-a', 'available')]]));
    const published = await b.patch('acme', 'agents', new Map([['281/101', agent('pbx-b', 'paused')]]));
    expect(published).toEqual([]);
    expect(conflicts).toHaveLength(1);
    expect((await bus.entities('acme', 'agents')).get('281/101')?.source).toBe('pbx-a');
  });
});
