/** PbxwareSource against the real PBXware simulator over HTTP, on a real Bus. */
import { afterEach, describe, expect, it } from 'vitest';
import type { PbxwareSimulator } from '../../../src/simulators/pbxware/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { morePolls, startSim, startSource, WAIT, type SourceHarness, type SourceOptions } from './harness.js';

const log = captureLogger();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: SourceOptions & { sim?: PbxwareSimulator } = {}): Promise<SourceHarness & { sim: PbxwareSimulator }> {
  const sim = options.sim ?? (await startSim());
  if (!options.sim) cleanups.push(() => sim.close());
  const harness = await startSource(sim, log, options);
  cleanups.push(() => harness.stop());
  return { ...harness, sim };
}

const recorded = (h: SourceHarness): string[] => h.events.since(0).filter((e) => e.type === 'call.recorded').map((e) => e.key);

describe('PbxwareSource: extensions', () => {
  it('publishes ext.list rows as extension events keyed by number, then only the changes', async () => {
    const h = await setup();
    await h.events.next((e) => e.type === 'source.up', WAIT);
    await waitFor(async () => (await h.bus.entities('acme', 'extensions')).size === 3, WAIT);
    const added = h.events.since(0).filter((e) => e.type === 'extension.added');
    expect(added.map((e) => e.key).sort()).toEqual(['530', '531', '532']);
    expect((await h.bus.entities('acme', 'extensions')).get('531')).toMatchObject({ number: '531', name: 'Alice Martin', tech: 'sip', enabled: true, source: 'pbxware-test' });
    expect((await h.bus.entities('acme', 'extensions')).get('532')).toMatchObject({ enabled: false });
    // The e-mail is personal data: not even in `raw`.
    expect(JSON.stringify([...(await h.bus.entities('acme', 'extensions')).values()])).not.toContain('@example.com');

    const mark = h.events.mark();
    const ext = h.sim.model.findExtension('2', '532');
    if (!ext) throw new Error('seed changed');
    ext.status = 'enabled';
    const updated = await h.events.next((e) => e.type === 'extension.updated' && e.key === '532', { from: mark, ...WAIT });
    expect(updated.changed).toEqual(['enabled']);
    h.sim.model.extensions.delete(ext.id);
    await h.events.next((e) => e.type === 'extension.removed' && e.key === '532', { from: mark, ...WAIT });
    await morePolls(h.sim, 'pbxware.ext.list');
    expect(h.events.since(mark).filter((e) => e.topic === 'extensions')).toHaveLength(2);
  });

  it('an empty list while extensions were known is not believed at once (no false removals)', async () => {
    const h = await setup({ downAfter: 3 });
    await waitFor(async () => (await h.bus.entities('acme', 'extensions')).size === 3, WAIT);
    const mark = h.events.mark();
    h.sim.faults.arm({ kind: 'emptyList', action: 'pbxware.ext.list', times: 2 });
    await h.events.next((e) => e.type === 'source.degraded', { from: mark, ...WAIT });
    await h.events.next((e) => e.type === 'source.up', { from: mark, ...WAIT });
    expect(h.events.since(mark).filter((e) => e.topic === 'extensions')).toHaveLength(0);
  });
});

describe('PbxwareSource: CDRs', () => {
  it('turns every CDR into exactly one call.recorded, across pages and later polls', async () => {
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const before = [0, 1, 2, 3, 4, 5, 6].map((i) => sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: `3317020025${i}`, durationSec: 10 + i }));
    const h = await setup({ sim, pageSize: 3 });
    await waitFor(() => recorded(h).length === 7, WAIT);
    const pages = sim.requests.filter('pbxware.cdr.download').slice(0, 3);
    expect(pages.map((r) => r.params.page)).toEqual(['1', '2', '3']);
    expect(pages.every((r) => r.params.server === '2' && /^[A-Z][a-z]{2}-\d{2}-\d{4}$/.test(r.params.start ?? '') && r.params.limit === '3')).toBe(true);

    const later = sim.model.addCdr({ server: '2', from: '33612345678', to: 'Alice Martin (531)', status: 'Not Answered', durationSec: 0 });
    const event = await h.events.next((e) => e.type === 'call.recorded' && (e.data as { uniqueId?: string }).uniqueId === later.uniqueId, WAIT);
    expect(event.data).toMatchObject({ from: '33612345678', to: '531', toName: 'Alice Martin', disposition: 'no_answer', durationSec: 0, source: 'pbxware-test' });
    expect(event.data.startedAt).toBe(new Date(Math.floor(later.startedAt / 1000) * 1000).toISOString());

    await morePolls(sim, 'pbxware.cdr.download', 4);
    const keys = recorded(h);
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
    const ids = h.events.since(0).filter((e) => e.type === 'call.recorded').map((e) => (e.data as { uniqueId: string }).uniqueId);
    expect(ids.sort()).toEqual([...before, later].map((c) => c.uniqueId).sort());
  });

  it('records a long call whose CDR appears after a window covering its start was read', async () => {
    const h = await setup();
    await morePolls(h.sim, 'pbxware.cdr.download', 2);
    // Started 40 minutes ago, written now: behind every window read so far.
    const long = h.sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200258', durationSec: 2400 });
    await h.events.next((e) => e.type === 'call.recorded' && (e.data as { uniqueId?: string }).uniqueId === long.uniqueId, WAIT);
  });

  it('two legs sharing a unique id are two records', async () => {
    const sim = await startSim();
    cleanups.push(() => sim.close());
    sim.model.addCdr({ server: '2', from: '33612345678', to: 'User 530 (530)', status: 'Not Answered', uniqueId: '1750000000.7', durationSec: 0 });
    sim.model.addCdr({ server: '2', from: '33612345678', to: 'Alice Martin (531)', status: 'Answered', uniqueId: '1750000000.7', durationSec: 20 });
    const h = await setup({ sim });
    await waitFor(() => recorded(h).length === 2, WAIT);
    expect(new Set(recorded(h)).size).toBe(2);
  });

  it('startAt latest publishes only CDRs written after the start', async () => {
    const sim = await startSim();
    cleanups.push(() => sim.close());
    sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200258' });
    const h = await setup({ sim, startAt: 'latest' });
    await morePolls(sim, 'pbxware.cdr.download', 2);
    const fresh = sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200259' });
    await h.events.next((e) => e.type === 'call.recorded', WAIT);
    expect(h.events.since(0).filter((e) => e.type === 'call.recorded').map((e) => (e.data as { uniqueId: string }).uniqueId)).toEqual([fresh.uniqueId]);
  });

  it('reads the CDR timestamp by column name when it is at index 3', async () => {
    const sim = await startSim({ cdrHeader: 'alternate', cdrOrder: 'desc' });
    cleanups.push(() => sim.close());
    const cdr = sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200258', durationSec: 61 });
    const h = await setup({ sim });
    const event = await h.events.next((e) => e.type === 'call.recorded', WAIT);
    expect(event.data).toMatchObject({ uniqueId: cdr.uniqueId, from: '530', fromName: 'User 530', to: '33170200258', durationSec: 61, disposition: 'answered' });
  });

  it('a search that finds nothing may be an error body: that is no failure', async () => {
    const sim = await startSim({ cdrEmpty: 'error' });
    cleanups.push(() => sim.close());
    const h = await setup({ sim });
    await h.events.next((e) => e.type === 'source.up', WAIT);
    await morePolls(h.sim, 'pbxware.cdr.download', 3);
    expect(h.source.status).toBe('up');
  });
});
