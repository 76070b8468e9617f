import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import type { EventDraft } from '../../src/bus/event-log.js';

const draft = (key: string): EventDraft => ({
  topic: 'blfs',
  type: 'blf.changed',
  key,
  source: 'm',
  ts: '2026-11-23T10:00:00.000Z',
  data: { source: 'm', observedAt: 'x', extension: key, state: 'idle' },
});

describe('MemoryEventLog', () => {
  it('numbers events per tenant from 1 with no gap', async () => {
    const log = new MemoryEventLog({ maxEvents: 100, maxAgeMs: 60_000 });
    const a = await log.append('acme', [draft('1'), draft('2')]);
    const b = await log.append('globex', [draft('1')]);
    const c = await log.append('acme', [draft('3')]);
    expect(a.map((e) => e.seq)).toEqual([1, 2]);
    expect(b.map((e) => e.seq)).toEqual([1]);
    expect(c.map((e) => e.seq)).toEqual([3]);
    expect(await log.cursor('acme')).toBe(3);
  });

  it('replays exactly the events after a cursor, and nothing at the head', async () => {
    const log = new MemoryEventLog({ maxEvents: 100, maxAgeMs: 60_000 });
    await log.append('acme', ['1', '2', '3', '4'].map(draft));
    expect((await log.since('acme', 2))?.map((e) => e.seq)).toEqual([3, 4]);
    expect(await log.since('acme', 4)).toEqual([]);
    expect(await log.since('acme', 0)).toHaveLength(4);
  });

  it('answers null for a cursor out of the window (too old or in the future)', async () => {
    const log = new MemoryEventLog({ maxEvents: 3, maxAgeMs: 60_000 });
    await log.append('acme', ['1', '2', '3', '4', '5'].map(draft));
    expect(await log.since('acme', 1)).toBeNull();
    expect((await log.since('acme', 2))?.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(await log.since('acme', 9)).toBeNull();
    expect(log.size()).toBe(3);
  });

  it('drops events older than maxAgeMs', async () => {
    let now = 1_000;
    const log = new MemoryEventLog({ maxEvents: 100, maxAgeMs: 500, now: () => now });
    await log.append('acme', [draft('1')]);
    now = 1_400;
    await log.append('acme', [draft('2')]);
    now = 1_600;
    expect(await log.since('acme', 0)).toBeNull();
    expect((await log.since('acme', 1))?.map((e) => e.seq)).toEqual([2]);
  });

  it('keeps memory bounded over many appends', async () => {
    const log = new MemoryEventLog({ maxEvents: 10, maxAgeMs: 60_000 });
    for (let i = 0; i < 5_000; i++) await log.append('acme', [draft(String(i))]);
    expect(log.size()).toBe(10);
    expect((await log.since('acme', 4_990))?.map((e) => e.seq)).toEqual([4_991, 4_992, 4_993, 4_994, 4_995, 4_996, 4_997, 4_998, 4_999, 5_000]);
  });
});
