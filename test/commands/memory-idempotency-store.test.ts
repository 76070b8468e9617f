import { describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore } from '../../src/commands/memory-idempotency-store.js';
import { commandKey } from '../../src/commands/idempotency-store.js';
import type { CommandAck } from '../../src/commands/command-service.js';

const ok: CommandAck = { ok: true, result: { callId: 'c-1' } };
const limited: CommandAck = { ok: false, error: { code: 'rate_limited', message: 'full', retryable: true }, retryAfterSec: 1 };
const DAY = 86_400_000;

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('MemoryIdempotencyStore', () => {
  it('gives `new` once, then the completed ack for the same body', async () => {
    const store = new MemoryIdempotencyStore();
    expect(await store.reserve('k', 'fp', 1000)).toEqual({ status: 'new' });
    expect(await store.reserve('k', 'fp', 1000)).toEqual({ status: 'pending' });
    await store.complete('k', 'fp', ok, DAY);
    expect(await store.reserve('k', 'fp', 1000)).toEqual({ status: 'completed', ack: ok });
  });

  it('answers mismatch for another body under the same key, pending or completed', async () => {
    const store = new MemoryIdempotencyStore();
    await store.reserve('k', 'fp', 1000);
    expect(await store.reserve('k', 'other', 1000)).toEqual({ status: 'mismatch' });
    await store.complete('k', 'fp', ok, DAY);
    expect(await store.reserve('k', 'other', 1000)).toEqual({ status: 'mismatch' });
  });

  it('forgets a completed key after its TTL', async () => {
    const time = clock();
    const store = new MemoryIdempotencyStore({ now: time.now });
    await store.reserve('k', 'fp', 1000);
    await store.complete('k', 'fp', ok, DAY);
    time.advance(DAY - 1);
    expect((await store.reserve('k', 'fp', 1000)).status).toBe('completed');
    time.advance(1);
    expect(await store.reserve('k', 'other', 1000)).toEqual({ status: 'new' });
  });

  it('lets a pending claim lapse after its own short TTL (a crashed owner)', async () => {
    const time = clock();
    const store = new MemoryIdempotencyStore({ now: time.now });
    await store.reserve('k', 'fp', 5000);
    time.advance(5000);
    expect(await store.reserve('k', 'fp', 5000)).toEqual({ status: 'new' });
  });

  it('hands the outcome to concurrent waiters when the owner completes', async () => {
    const store = new MemoryIdempotencyStore();
    await store.reserve('k', 'fp', 10_000);
    const waiters = [store.wait('k', 10_000), store.wait('k', 10_000)];
    await store.complete('k', 'fp', ok, DAY);
    expect(await Promise.all(waiters)).toEqual([ok, ok]);
    expect(await store.wait('k', 10)).toEqual(ok);
  });

  it('release frees the key for a retry and hands the ack to waiters', async () => {
    const store = new MemoryIdempotencyStore();
    await store.reserve('k', 'fp', 10_000);
    const waiter = store.wait('k', 10_000);
    await store.release('k', limited);
    expect(await waiter).toEqual(limited);
    expect(await store.reserve('k', 'fp', 1000)).toEqual({ status: 'new' });
  });

  it('wait answers undefined when nothing is claimed or nothing comes in time', async () => {
    const store = new MemoryIdempotencyStore();
    expect(await store.wait('absent', 1000)).toBeUndefined();
    await store.reserve('k', 'fp', 10_000);
    expect(await store.wait('k', 20)).toBeUndefined();
  });

  it('sweeps expired entries, keeping memory bounded without traffic on those keys', async () => {
    const time = clock();
    const store = new MemoryIdempotencyStore({ now: time.now, sweepIntervalMs: 1000 });
    for (let i = 0; i < 100; i++) {
      await store.reserve(`k${i}`, 'fp', 1000);
      await store.complete(`k${i}`, 'fp', ok, 500);
    }
    expect(store.size).toBe(100);
    time.advance(1000);
    await store.reserve('fresh', 'fp', 1000);
    expect(store.size).toBe(1);
  });

  it('evicts the oldest completed entries beyond maxEntries, never a pending claim', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    await store.reserve('pending', 'fp', 10_000);
    for (const key of ['a', 'b', 'c']) {
      await store.reserve(key, 'fp', 10_000);
      await store.complete(key, 'fp', ok, DAY);
    }
    expect(store.size).toBe(3);
    expect((await store.reserve('pending', 'fp', 10_000)).status).toBe('pending');
    expect((await store.reserve('a', 'fp', 10_000)).status).toBe('new');
  });

  it('scopes keys per tenant', () => {
    expect(commandKey('acme', 'c1')).toBe('cmd:acme:c1');
    expect(commandKey('acme', 'c1')).not.toBe(commandKey('globex', 'c1'));
  });
});
