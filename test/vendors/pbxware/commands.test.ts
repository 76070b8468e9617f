/** PBXware's HTTP API has no call control: every command is `unsupported`, and nothing reaches the PBX. */
import { afterEach, describe, expect, it } from 'vitest';
import { CommandDispatcher } from '../../../src/commands/command-dispatcher.js';
import { MemoryIdempotencyStore } from '../../../src/commands/memory-idempotency-store.js';
import { COMMAND_TYPES, type ValidatedCommand } from '../../../src/protocol/commands.js';
import { SourceDirectory } from '../../../src/sources/source-directory.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { captureLogger } from '../../support/log-capture.js';
import { SOURCE_ID, startSim, startSource, WAIT } from './harness.js';

const log = captureLogger();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('PbxwareSource commands', () => {
  it('announces none, and the dispatcher answers unsupported for each type without calling PBXware', async () => {
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const h = await startSource(sim, log);
    cleanups.push(() => h.stop());
    await h.events.next((e) => e.type === 'source.up', WAIT);
    expect(h.source.commands).toEqual([]);

    const sources = new SourceDirectory();
    sources.add(h.source);
    const store = new MemoryIdempotencyStore();
    const dispatcher = new CommandDispatcher({
      sources,
      budgets: new Map([[SOURCE_ID, new VendorBudget({ concurrency: 1, perSecond: 10, queue: 10 })]]),
      limits: () => ({ timeout: 2000, breakerThreshold: 5, breakerCooldown: 10_000 }),
      store,
      bus: h.bus,
      logger: log.logger,
    });
    cleanups.push(async () => {
      await dispatcher.close();
      await store.close();
    });
    const principal = { label: 'test', tenants: new Set(['acme']), scopes: new Set(['*'] as const) };
    const before = sim.requests.count();
    const dial = await dispatcher.execute(principal, { id: 'c-1', tenant: 'acme', type: 'dial', args: { from: '530', to: '33170200258' } });
    expect(dial).toMatchObject({ ok: false, error: { code: 'unsupported', retryable: false } });
    const named = await dispatcher.execute(principal, { id: 'c-2', tenant: 'acme', source: SOURCE_ID, type: 'hangup', args: { channel: 'SIP/530-1' } });
    expect(named).toMatchObject({ ok: false, error: { code: 'unsupported', message: `source "${SOURCE_ID}" (pbxware) cannot do "hangup"` } });
    const calls = sim.requests.entries.slice(before).filter((r) => !['pbxware.ext.list', 'pbxware.cdr.download', 'pbxware.tenant.list', 'pbxware.package.list', 'pbxware.package.configuration'].includes(r.action));
    expect(calls).toEqual([]);
  });

  it('execute itself refuses every command type with unsupported', async () => {
    const sim = await startSim();
    cleanups.push(() => sim.close());
    const h = await startSource(sim, log, { poll: { extensions: 0, cdr: 0, packages: 0 } });
    cleanups.push(() => h.stop());
    expect.assertions(COMMAND_TYPES.length);
    for (const type of COMMAND_TYPES) {
      const command = { id: `x-${type}`, tenant: 'acme', type, args: {} } as unknown as ValidatedCommand;
      await expect(h.source.execute(command, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'unsupported' });
    }
  });
});
