import { afterEach, describe, expect, it } from 'vitest';
import { gated, resolves } from '../support/scripted-source.js';
import { createHarness, dial, principal, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('CommandDispatcher rate limiting (through the source\'s VendorBudget)', () => {
  it('never starts more than perSecond executes in any rolling second', async () => {
    h = createHarness({ budget: { concurrency: 10, perSecond: 5, queue: 100 }, limits: { timeout: 8_000 } });
    h.source.script = resolves({ callId: 'x' });
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => h.dispatcher.execute(principal(), dial(`c${i}`))));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const starts = h.source.calls.map((call) => call.startedAt).sort((a, b) => a - b);
    expect(starts).toHaveLength(30);
    // Any 6 consecutive starts span at least a second. 5 ms of slack: start times are taken in
    // execute, a moment after p-queue stamped its window.
    for (let i = 0; i + 5 < starts.length; i++) {
      expect(starts[i + 5]! - starts[i]!).toBeGreaterThanOrEqual(995);
    }
  }, 9_000);

  it('answers rate_limited at once when the source\'s command queue is full, and sends nothing', async () => {
    h = createHarness({ budget: { concurrency: 1, perSecond: 100, queue: 2 } });
    const gate = gated({ callId: 'x' });
    h.source.script = gate.script;
    const held = [1, 2, 3].map((i) => h.dispatcher.execute(principal(), dial(`held-${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const startedAt = Date.now();
    const refused = await h.dispatcher.execute(principal(), dial('one-too-many'));
    expect(Date.now() - startedAt).toBeLessThan(100);
    expect(refused).toEqual({
      ok: false,
      error: { code: 'rate_limited', message: expect.any(String) as string, retryable: true },
      retryAfterSec: 1,
    });
    expect(h.source.calls.map((c) => c.command.id)).toEqual(['held-1']);
    gate.open();
    expect((await Promise.all(held)).every((ack) => ack.ok)).toBe(true);
    // Refused before the vendor: the same id may be retried and goes through.
    expect((await h.dispatcher.execute(principal(), dial('one-too-many'))).ok).toBe(true);
  });

  it('answers rate_limited (not sent) when the deadline passes while still waiting for a slot', async () => {
    h = createHarness({ budget: { concurrency: 1, perSecond: 100, queue: 10 }, limits: { timeout: 150 } });
    const gate = gated({ callId: 'x' });
    h.source.script = gate.script;
    const blocker = h.dispatcher.execute(principal(), dial('blocker'));
    const waiting = await h.dispatcher.execute(principal(), dial('waiting'));
    expect(waiting.ok ? undefined : waiting.error).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(h.source.calls.map((c) => c.command.id)).toEqual(['blocker']);
    gate.open();
    await blocker;
  });

  it('keeps a timed-out command\'s slot until the vendor call really settles', async () => {
    // p-queue frees a slot when the task's signal aborts; a source that ignores the abort would
    // then run beside the next command, over the vendor's concurrency.
    h = createHarness({ budget: { concurrency: 1, perSecond: 100, queue: 10 }, limits: { timeout: 100 } });
    const gate = gated({ callId: 'late' });
    h.source.script = gate.script;
    const first = await h.dispatcher.execute(principal(), dial('first'));
    expect(first.ok ? undefined : first.error.code).toBe('timeout');
    h.source.script = resolves({ callId: 'next' });
    const next = h.dispatcher.execute(principal(), dial('next'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.source.calls.map((c) => c.command.id)).toEqual(['first']);
    gate.open();
    expect(await next).toEqual({ ok: true, result: { callId: 'next' } });
  });
});
