/** The CDR cursor saved under `dataDir`: a restart neither loses nor repeats a CDR. */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { morePolls, startSim, startSource, WAIT, type SourceHarness } from './harness.js';

const log = captureLogger();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const uniqueIds = (h: SourceHarness): string[] =>
  h.events.since(0).filter((e) => e.type === 'call.recorded').map((e) => (e.data as { uniqueId: string }).uniqueId);

describe('PbxwareSource CDR cursor', () => {
  it('resumes after a restart: CDRs written meanwhile (a long call too) once, earlier ones never again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pbxware-cursor-'));
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const early = [sim.model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200258' }), sim.model.addCdr({ server: '2', from: '33612345678', to: 'User 530 (530)' })];

    const first = await startSource(sim, log, { dataDir, startAt: 'lookback' });
    await waitFor(() => uniqueIds(first).length === 2, WAIT);
    await morePolls(sim, 'pbxware.cdr.download', 2);
    await first.stop();
    expect(uniqueIds(first).sort()).toEqual(early.map((c) => c.uniqueId).sort());

    const files = await readdir(dataDir);
    expect(files).toEqual(['pbxware-pbxware-test.cdr-cursor.json']);
    const saved = await readFile(join(dataDir, files[0] ?? ''), 'utf8');
    expect(saved).not.toContain(sim.apiKey);

    // While the bridge is away: a short call, and a 30-minute one that started before the stop.
    const meanwhile = [
      sim.model.addCdr({ server: '2', from: 'Alice Martin (531)', to: '33170200259', durationSec: 12 }),
      sim.model.addCdr({ server: '2', from: '33698765432', to: 'Alice Martin (531)', durationSec: 1800 }),
    ];
    // `latest` only applies without a saved cursor.
    const second = await startSource(sim, log, { dataDir, startAt: 'latest' });
    cleanups.push(() => second.stop());
    await waitFor(() => uniqueIds(second).length === 2, WAIT);
    await morePolls(sim, 'pbxware.cdr.download', 4);
    expect(uniqueIds(second).sort()).toEqual(meanwhile.map((c) => c.uniqueId).sort());
    expect(second.source.info('acme')?.cdrReadUpTo).toEqual(expect.any(String));
  });

  it('a cursor saved for another server id is not used for the new one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pbxware-cursor-'));
    const sim = await startSim();
    cleanups.push(() => sim.close());
    sim.model.addCdr({ server: '2', from: '530', to: '531' });
    sim.model.addCdr({ server: '3', from: '300', to: '301' });
    const first = await startSource(sim, log, { dataDir, startAt: 'lookback', tenants: { acme: '2' } });
    await waitFor(() => uniqueIds(first).length === 1, WAIT);
    await first.stop();
    // Remapped: server 3's history is new to this cursor, so `latest` reads it silently.
    const second = await startSource(sim, log, { dataDir, startAt: 'latest', tenants: { acme: '3' } });
    cleanups.push(() => second.stop());
    await morePolls(sim, 'pbxware.cdr.download', 3);
    const fresh = sim.model.addCdr({ server: '3', from: '301', to: '300' });
    await waitFor(() => uniqueIds(second).length === 1, WAIT);
    expect(uniqueIds(second)).toEqual([fresh.uniqueId]);
  });
});
