import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_ERROR_BODY } from '../../../src/simulators/mirta/index.js';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { startSim, tenantApi } from './harness.js';

describe('MiRTA simulator: scripted faults and latency', () => {
  let sim: MirtaSimulator;
  afterEach(() => sim?.close());

  it('http500 hits the next N requests, then normal service resumes', async () => {
    sim = await startSim();
    sim.faults.arm({ kind: 'http500', times: 2 });
    expect((await tenantApi(sim, { reqtype: 'PEERS' })).status).toBe(500);
    expect((await tenantApi(sim, { reqtype: 'BLFS' })).status).toBe(500);
    expect(sim.faults.pending).toBe(0);
    expect((await tenantApi(sim, { reqtype: 'PEERS' })).status).toBe(200);
  });

  it('a fault limited to one reqtype leaves the others alone', async () => {
    sim = await startSim();
    sim.faults.arm({ kind: 'empty', reqtype: 'peers' });
    expect((await tenantApi(sim, { reqtype: 'BLFS', format: 'json' })).text.startsWith('[')).toBe(true);
    expect((await tenantApi(sim, { reqtype: 'PEERS', format: 'json' })).text).toBe('');
    expect((await tenantApi(sim, { reqtype: 'PEERS', format: 'json' })).text.startsWith('[')).toBe(true);
  });

  it('http429 carries Retry-After', async () => {
    sim = await startSim();
    sim.faults.arm({ kind: 'http429', retryAfterSec: 3 });
    const answer = await tenantApi(sim, { reqtype: 'CHANNELS' });
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('3');
  });

  it('authError is the HTTP 200 vendor text with the JSON Content-Type', async () => {
    sim = await startSim();
    sim.faults.arm({ kind: 'authError' });
    const answer = await tenantApi(sim, { reqtype: 'PEERS', format: 'json' });
    expect(answer).toMatchObject({ status: 200, contentType: 'application/json', text: AUTH_ERROR_BODY });
  });

  it('garbage is a 200 that is not JSON; truncated is the first half of the real JSON', async () => {
    sim = await startSim();
    const full = (await tenantApi(sim, { reqtype: 'PEERS', format: 'json' })).text;
    sim.faults.arm({ kind: 'garbage' }).arm({ kind: 'truncated' });
    const garbage = await tenantApi(sim, { reqtype: 'PEERS', format: 'json' });
    expect(garbage.status).toBe(200);
    expect(() => JSON.parse(garbage.text)).toThrow();
    const truncated = await tenantApi(sim, { reqtype: 'PEERS', format: 'json' });
    expect(truncated.text).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(() => JSON.parse(truncated.text)).toThrow();
  });

  it('reset destroys the socket without an answer', async () => {
    sim = await startSim();
    sim.faults.arm({ kind: 'reset' });
    await expect(tenantApi(sim, { reqtype: 'PEERS' })).rejects.toThrow();
    expect((await tenantApi(sim, { reqtype: 'PEERS' })).status).toBe(200);
  });

  it('hang with a delay answers late; hang without one never answers and close() drops it', async () => {
    sim = await startSim();
    sim.faults.arm({ kind: 'hang', delayMs: 120 });
    const started = Date.now();
    const late = await tenantApi(sim, { reqtype: 'PEERS', format: 'json' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(late.text.startsWith('[')).toBe(true);

    sim.faults.arm({ kind: 'hang' });
    const keys = sim.keys.tenants.DEMO;
    const gaveUp = request(sim.url, { query: { reqtype: 'PEERS', key: keys?.rw ?? '', tenant: 'DEMO' }, signal: AbortSignal.timeout(100) });
    await expect(gaveUp).rejects.toThrow(/abort|timeout/i);

    sim.faults.arm({ kind: 'hang' });
    const pending = request(sim.url, { query: { reqtype: 'PEERS', key: keys?.rw ?? '', tenant: 'DEMO' } });
    const outcome = pending.then(() => 'answered', () => 'dropped');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const closing = Date.now();
    await sim.close();
    expect(Date.now() - closing).toBeLessThan(1000);
    expect(await outcome).toBe('dropped');
  });

  it('latency per reqtype, and CHANNELS slow only without nodename', async () => {
    sim = await startSim({ latency: { byReqtype: { COUNTPEERS: 150 }, channelsClusterWide: 150 } });
    const timed = async (query: Record<string, string>) => {
      const started = Date.now();
      await tenantApi(sim, query);
      return Date.now() - started;
    };
    expect(await timed({ reqtype: 'COUNTPEERS' })).toBeGreaterThanOrEqual(140);
    expect(await timed({ reqtype: 'CHANNELS' })).toBeGreaterThanOrEqual(140);
    expect(await timed({ reqtype: 'CHANNELS', nodename: 'pbx21' })).toBeLessThan(140);
    sim.setLatency({});
    expect(await timed({ reqtype: 'COUNTPEERS' })).toBeLessThan(140);
  });

  it('rejects an unknown fault kind or a zero count when arming', async () => {
    sim = await startSim();
    expect(() => sim.faults.arm({ kind: 'http500', times: 0 })).toThrow(/times must be > 0/);
    expect(() => sim.faults.arm({ kind: 'explode' as 'http500' })).toThrow(/unknown kind/);
    sim.faults.arm({ kind: 'empty', times: Infinity });
    expect((await tenantApi(sim, { reqtype: 'PEERS' })).text).toBe('');
    sim.faults.clear();
    expect((await tenantApi(sim, { reqtype: 'PEERS' })).text).not.toBe('');
  });
});
