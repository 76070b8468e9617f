/**
 * PBXware's refusals and broken answers: each moves the source's health and changes no entity
 * (no false removals, no lost or repeated CDR), and the API key never shows.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PbxwareSimulator } from '../../../src/simulators/pbxware/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { morePolls, startSim, startSource, WAIT, type SourceHarness, type SourceOptions } from './harness.js';

const log = captureLogger();
const keys: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  for (const key of keys) {
    expect(log.text()).not.toContain(key);
    expect(log.text()).not.toContain(encodeURIComponent(key));
  }
});

async function setup(options: SourceOptions = {}): Promise<SourceHarness & { sim: PbxwareSimulator }> {
  const sim = await startSim();
  keys.push(sim.apiKey);
  if (options.apiKey) keys.push(options.apiKey);
  cleanups.push(() => sim.close());
  const harness = await startSource(sim, log, options);
  cleanups.push(() => harness.stop());
  return { ...harness, sim };
}

const lastError = (h: SourceHarness, from: number, type = 'source.degraded'): Promise<string> =>
  h.events.next((e) => e.type === type, { from, ...WAIT }).then((e) => String((e.data as { lastError?: unknown }).lastError));

describe('PbxwareSource errors', () => {
  it('a bad key (HTTP 200 {"error":"Invalid API key."}) is an auth failure: degraded, then down, nothing published', async () => {
    const h = await setup({ apiKey: 'wrong-key-Zx81-0123456789' });
    h.sim.model.addCdr({ server: '2', from: '530', to: '531' });
    expect(await lastError(h, 0)).toBe('PBXware refused the API key');
    await h.events.next((e) => e.type === 'source.down', WAIT);
    expect(h.events.since(0).filter((e) => e.topic !== 'sources')).toHaveLength(0);
    expect(h.sim.requests.entries.every((r) => r.withKey && !r.keyAccepted)).toBe(true);
    expect(JSON.stringify(h.events.since(0))).not.toContain('wrong-key-Zx81');
    const metrics = await h.metrics.text();
    expect(metrics).toMatch(/callbridge_polls_total\{[^}]*result="failed",reason="auth"\}/);
    expect(metrics).not.toContain('wrong-key-Zx81');
  });

  it('another {"error": ...} body is a vendor failure that names the action; a key it echoes is masked', async () => {
    const h = await setup();
    await waitFor(async () => (await h.bus.entities('acme', 'extensions')).size === 3, WAIT);
    const mark = h.events.mark();
    h.sim.faults.arm({ kind: 'errorBody', action: 'pbxware.ext.list', times: 2, text: `Query failed for apikey=${h.sim.apiKey}&action=pbxware.ext.list` });
    const message = await lastError(h, mark);
    expect(message).toBe('tenant acme: PBXware refused pbxware.ext.list: Query failed for apikey=[redacted]&action=pbxware.ext.list');
    expect(message).not.toContain(h.sim.apiKey);
    await h.events.next((e) => e.type === 'source.up', { from: mark, ...WAIT });
    expect(h.events.since(mark).filter((e) => e.topic === 'extensions')).toHaveLength(0);
  });

  it('a garbage body (PHP warning) is a parse failure, never "every extension removed"', async () => {
    const h = await setup();
    await waitFor(async () => (await h.bus.entities('acme', 'extensions')).size === 3, WAIT);
    const mark = h.events.mark();
    h.sim.faults.arm({ kind: 'garbage', action: 'pbxware.ext.list', times: 3 });
    expect(await lastError(h, mark)).toBe('tenant acme: PBXware answer to pbxware.ext.list is not JSON');
    await h.events.next((e) => e.type === 'source.up', { from: mark, ...WAIT });
    expect(h.events.since(mark).filter((e) => e.topic === 'extensions')).toHaveLength(0);
    expect((await h.bus.entities('acme', 'extensions')).size).toBe(3);
  });

  it('JSON of the wrong shape and HTTP 500 are failures too', async () => {
    const h = await setup();
    await h.events.next((e) => e.type === 'source.up', WAIT);
    let mark = h.events.mark();
    h.sim.faults.arm({ kind: 'truncated', action: 'pbxware.ext.list', times: 1 });
    expect(await lastError(h, mark)).toContain('pbxware.ext.list');
    await h.events.next((e) => e.type === 'source.up', { from: mark, ...WAIT });
    mark = h.events.mark();
    h.sim.faults.arm({ kind: 'http500', action: 'pbxware.cdr.download', times: 1 });
    expect(await lastError(h, mark)).toBe('tenant acme: PBXware answered HTTP 500');
  });

  it('a CDR poll failing mid-way loses and repeats nothing', async () => {
    const h = await setup({ pageSize: 2 });
    await morePolls(h.sim, 'pbxware.cdr.download', 2);
    const mark = h.events.mark();
    h.sim.faults.arm({ kind: 'garbage', action: 'pbxware.cdr.download', times: 2 });
    const cdrs = [1, 2, 3, 4, 5].map((i) => h.sim.model.addCdr({ server: '2', from: `User 530 (530)`, to: `3317020000${i}` }));
    await waitFor(() => h.events.since(mark).filter((e) => e.type === 'call.recorded').length === 5, WAIT);
    await morePolls(h.sim, 'pbxware.cdr.download', 4);
    const ids = h.events.since(mark).filter((e) => e.type === 'call.recorded').map((e) => (e.data as { uniqueId: string }).uniqueId);
    expect(ids.sort()).toEqual(cdrs.map((c) => c.uniqueId).sort());
  });

  it('a server id PBXware does not list: degraded with a clear message, the other tenants still served', async () => {
    const h = await setup({ tenants: { acme: '2', ghost: '99' } });
    const message = await lastError(h, 0);
    expect(message).toMatch(/tenant ghost/);
    await waitFor(async () => (await h.bus.entities('acme', 'extensions')).size === 3, WAIT);
    await waitFor(() => String(h.source.info('ghost')?.known) === 'false', WAIT);
    const degraded = h.events.since(0).filter((e) => e.type === 'source.degraded').map((e) => String((e.data as { lastError?: unknown }).lastError));
    expect(degraded.some((text) => text.includes('no tenant with server id 99'))).toBe(true);
    const polledGhost = h.sim.requests.filter('pbxware.ext.list').filter((r) => r.params.server === '99').length;
    await morePolls(h.sim, 'pbxware.ext.list', 3);
    expect(h.sim.requests.filter('pbxware.ext.list').filter((r) => r.params.server === '99')).toHaveLength(polledGhost);
    expect(h.source.status).toBe('degraded');
    // The tenant appears on the PBX: the source recovers.
    const mark = h.events.mark();
    h.sim.model.addTenant({ serverId: '99', name: 'ghost.pbx.example', tenantcode: '399' });
    h.sim.model.addExtension({ server: '99', ext: '100' });
    await h.events.next((e) => e.type === 'source.up', { from: mark, ...WAIT });
    await waitFor(async () => (await h.bus.entities('ghost', 'extensions')).has('100'), WAIT);
  });
});
