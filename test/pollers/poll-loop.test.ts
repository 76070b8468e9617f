import { describe, expect, it } from 'vitest';
import { PollError } from '../../src/pollers/poll-error.js';
import { PollLoop } from '../../src/pollers/poll-loop.js';
import { waitFor } from '../support/wait-for.js';

describe('PollLoop', () => {
  it('never overlaps itself even when a poll outlasts the interval', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const loop = new PollLoop({
      intervalMs: 5,
      timeoutMs: 1_000,
      poll: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        runs++;
      },
    });
    loop.start();
    await waitFor(() => runs >= 3);
    await loop.stop();
    expect(maxRunning).toBe(1);
  });

  it('aborts a poll at its timeout and reports the failure', async () => {
    const failures: unknown[] = [];
    const loop = new PollLoop({
      intervalMs: 1_000,
      timeoutMs: 30,
      poll: (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      onFailure: (err) => failures.push(err),
    });
    loop.start();
    await waitFor(() => failures.length === 1);
    await loop.stop();
    expect(String(failures[0])).toContain('timed out');
  });

  it('backs off while failing and returns to the interval after a success', async () => {
    const starts: number[] = [];
    let fail = true;
    const loop = new PollLoop({
      intervalMs: 20,
      timeoutMs: 1_000,
      maxBackoffMs: 200,
      random: () => 0.5,
      poll: async () => {
        starts.push(Date.now());
        if (fail) throw new Error('down');
      },
    });
    loop.start();
    await waitFor(() => starts.length >= 4, { timeout: 2_000 });
    fail = false;
    const gaps = starts.slice(1, 4).map((t, i) => t - (starts[i] ?? 0));
    // 20, 40, 80 ms: each wait at least the previous one (timer slack allowed).
    expect(gaps[2]).toBeGreaterThanOrEqual(70);
    expect(loop.consecutiveFailures).toBeGreaterThan(0);
    await waitFor(() => loop.consecutiveFailures === 0, { timeout: 2_000 });
    await loop.stop();
  });

  it("waits at least the vendor's Retry-After after a 429 / 503", async () => {
    const starts: number[] = [];
    const loop = new PollLoop({
      intervalMs: 10,
      timeoutMs: 1_000,
      random: () => 0.5,
      poll: async () => {
        starts.push(Date.now());
        if (starts.length === 1) throw new PollError('rate_limited', 'HTTP 429', { retryAfterMs: 400 });
      },
    });
    loop.start();
    await waitFor(() => starts.length >= 4, { timeout: 5_000 });
    await loop.stop();
    // setTimeout never fires early: the second poll came no sooner than the vendor asked.
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(395);
  });

    it('stop() waits for a poll in flight and schedules nothing after', async () => {
    let runs = 0;
    const loop = new PollLoop({
      intervalMs: 5,
      timeoutMs: 1_000,
      poll: async (signal) => {
        runs++;
        await new Promise((r) => {
          const t = setTimeout(r, 50);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            r(undefined);
          });
        });
      },
    });
    loop.start();
    await waitFor(() => runs === 1);
    await loop.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(after);
  });
});
