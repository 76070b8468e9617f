/**
 * Regression: the rate limit must hold as the VENDOR sees requests, not only at their start.
 * With p-queue's strict start-time window, a burst delayed on its way (slow connect) and the
 * next burst started 1000 ms later reached the MiRTA simulator within one second: 7 requests
 * for a limit of 5. Here the "vendor" records arrival after a variable transit delay.
 */
import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/errors.js';
import { VendorBudget } from '../../src/sources/vendor-budget.js';

const maxInAnyWindow = (times: readonly number[], windowMs: number): number =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));

describe('VendorBudget', () => {
  it('keeps perSecond over arrival times even when transit time varies', async () => {
    const budget = new VendorBudget({ concurrency: 5, perSecond: 5, queue: 100 });
    const arrivals: number[] = [];
    let n = 0;
    await Promise.all(
      Array.from({ length: 15 }, () =>
        budget.run('command', async () => {
          // The first burst is slow to arrive (new connections), later ones are fast.
          const transit = n++ < 5 ? 60 : 1;
          await new Promise((r) => setTimeout(r, transit));
          arrivals.push(Date.now());
        }),
      ),
    );
    expect(arrivals).toHaveLength(15);
    expect(maxInAnyWindow(arrivals, 1_000)).toBeLessThanOrEqual(5);
    budget.close();
  }, 10_000);

  it('never runs more than concurrency requests at once', async () => {
    const budget = new VendorBudget({ concurrency: 2, perSecond: 1000, queue: 100 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        budget.run('poll', async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 10));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    budget.close();
  });

  it('runs waiting commands before waiting polls', async () => {
    const budget = new VendorBudget({ concurrency: 1, perSecond: 1000, queue: 100 });
    const order: string[] = [];
    const blocker = budget.run('poll', () => new Promise((r) => setTimeout(r, 30)));
    const polls = [1, 2].map((i) => budget.run('poll', async () => void order.push(`poll${i}`)));
    const command = budget.run('command', async () => void order.push('command'));
    await Promise.all([blocker, ...polls, command]);
    expect(order[0]).toBe('command');
    budget.close();
  });

  it('refuses a command at once when queue commands already wait, and lets polls through', async () => {
    const budget = new VendorBudget({ concurrency: 1, perSecond: 1000, queue: 1 });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const running = budget.run('command', () => gate);
    const waiting = budget.run('command', async () => 'second');
    await expect(budget.run('command', async () => 'third')).rejects.toBeInstanceOf(RateLimitedError);
    const poll = budget.run('poll', async () => 'poll');
    open();
    await expect(Promise.all([running, waiting, poll])).resolves.toEqual([undefined, 'second', 'poll']);
    budget.close();
  });

  it('drops a waiting request when its signal aborts', async () => {
    const budget = new VendorBudget({ concurrency: 1, perSecond: 1000, queue: 10 });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const running = budget.run('command', () => gate);
    const abort = new AbortController();
    let ran = false;
    const waiting = budget.run('command', async () => void (ran = true), abort.signal);
    abort.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    open();
    await running;
    expect(ran).toBe(false);
    budget.close();
  });
});
