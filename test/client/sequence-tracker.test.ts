/** The event-ordering rules of the client, without a socket: buffering, dedup, gaps, resume checks. */
import { describe, expect, it } from 'vitest';
import { SequenceTracker, sameEvent } from '../../src/client/sequence-tracker.js';
import type { BridgeEvent } from '../../src/protocol/events.js';

const event = (seq: number, key = `k${seq}`): BridgeEvent => ({
  seq,
  tenant: 'acme',
  topic: 'flows',
  type: 'flow.changed',
  key,
  source: 'mirta-main',
  ts: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`,
  data: { source: 'mirta-main', observedAt: '2026-01-01T00:00:00.000Z', number: key, state: 'INUSE' },
});
const seqs = (events: readonly BridgeEvent[]): number[] => events.map((e) => e.seq);

describe('SequenceTracker', () => {
  it('holds events back until the snapshot ack, then applies the newer ones in seq order', () => {
    const tracker = new SequenceTracker(true);
    expect(tracker.receive(event(12)).apply).toEqual([]);
    expect(tracker.receive(event(11)).apply).toEqual([]);
    expect(tracker.receive(event(10)).apply).toEqual([]);
    const intake = tracker.snapshotAt(10);
    expect(seqs(intake.apply)).toEqual([11, 12]);
    expect(tracker.live).toBe(true);
    expect(tracker.cursor).toBe(12);
  });

  it('drops duplicates and, with every topic, turns a jump in seq into a gap held for the resubscribe', () => {
    const tracker = new SequenceTracker(true);
    tracker.snapshotAt(5);
    expect(seqs(tracker.receive(event(6)).apply)).toEqual([6]);
    expect(tracker.receive(event(6)).apply).toEqual([]);
    const gap = tracker.receive(event(9));
    expect(gap).toMatchObject({ apply: [], gap: true });
    expect(tracker.live).toBe(false);
    // The resubscribe resumes one before the cursor, expecting the last applied event first.
    const resume = tracker.resumePoint();
    expect(resume).toMatchObject({ since: 5, echo: { seq: 6, key: 'k6' } });
    tracker.waiting();
    expect(tracker.replaying(4, (first) => first !== undefined && resume?.echo !== undefined && sameEvent(first, resume.echo)).apply).toEqual([]);
    for (const seq of [6, 7, 8]) expect(tracker.receive(event(seq)).apply).toEqual([]);
    const done = tracker.receive(event(9));
    expect(seqs(done.apply)).toEqual([7, 8, 9]);
    expect(tracker.live).toBe(true);
  });

  it('does not call a jump a gap when only some topics are followed', () => {
    const tracker = new SequenceTracker(false);
    tracker.snapshotAt(5);
    expect(seqs(tracker.receive(event(9)).apply)).toEqual([9]);
    expect(seqs(tracker.receive(event(20)).apply)).toEqual([20]);
  });

  it('does not call a jump a gap when the event comes from a coalesced queue', () => {
    const tracker = new SequenceTracker(true);
    tracker.snapshotAt(5);
    const intake = tracker.receive({ ...event(9), coalesced: true });
    expect(intake).toMatchObject({ gap: false });
    expect(seqs(intake.apply)).toEqual([9]);
    expect(tracker.cursor).toBe(9);
    // A plain jump after it is still a gap.
    expect(tracker.receive(event(12)).gap).toBe(true);
  });

  it('merges events buffered before the ack with the replay, each once', () => {
    const tracker = new SequenceTracker(true);
    tracker.snapshotAt(3);
    tracker.receive(event(4));
    tracker.reset();
    // Reconnected: a live event slipped in before the ack, then 3 replays (4, 5, 6) follow it.
    tracker.waiting();
    tracker.receive(event(6));
    tracker.replaying(3, () => true);
    tracker.receive(event(4));
    tracker.receive(event(5));
    expect(seqs(tracker.receive(event(6)).apply)).toEqual([5, 6]);
    expect(tracker.cursor).toBe(6);
  });

  it('reports another history when the replay does not start with what the mirror has, and forgets the cursor', () => {
    const tracker = new SequenceTracker(true);
    tracker.snapshotAt(0);
    tracker.receive(event(1, 'a'));
    const resume = tracker.resumePoint();
    expect(resume?.since).toBe(0);
    tracker.reset();
    tracker.replaying(2, (first) => first !== undefined && resume?.echo !== undefined && sameEvent(first, resume.echo));
    tracker.receive(event(1, 'another'));
    expect(tracker.receive(event(2))).toMatchObject({ apply: [], diverged: true });
    expect(tracker.cursor).toBeUndefined();
    expect(tracker.resumePoint()).toBeUndefined();
  });

  it('has no echo when the cursor comes from a snapshot, and none at all before one', () => {
    const tracker = new SequenceTracker(false);
    expect(tracker.resumePoint()).toBeUndefined();
    tracker.snapshotAt(40);
    expect(tracker.resumePoint()).toEqual({ since: 39, echo: undefined });
    // An empty replay is another history too: the event at the cursor is missing.
    tracker.reset();
    expect(tracker.replaying(0, (first) => first !== undefined)).toMatchObject({ diverged: true });
  });
});
