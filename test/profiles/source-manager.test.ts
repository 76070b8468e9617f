/**
 * The SourceManager, the one owner of running sources: add (budget, directory, start), remove
 * (stop, `source.down` per tenant, budget gone), replace (a fresh source and budget, others
 * untouched), refusals, close; and the command layer finding budgets and limits through it.
 * Sources are scripted (test/support/scripted-source.ts); the bus and budgets are real.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { CommandDispatcher } from '../../src/commands/command-dispatcher.js';
import { MemoryIdempotencyStore } from '../../src/commands/memory-idempotency-store.js';
import { ConfigSchema, type SourceConfig } from '../../src/config/schema.js';
import type { SourceEntity } from '../../src/protocol/entities.js';
import { SourceManager } from '../../src/sources/source-manager.js';
import type { Source } from '../../src/sources/source.js';
import { collectEvents, type EventCollector } from '../support/event-collector.js';
import { ScriptedSource } from '../support/scripted-source.js';
import { memoryBus } from '../support/memory-bus.js';

/** A scripted source that records its starts and stops, and can refuse to start. */
class LifecycleSource extends ScriptedSource {
  starts = 0;
  stops = 0;
  failStart = false;
  override async start(): Promise<void> {
    if (this.failStart) throw new Error('cannot start');
    this.starts++;
  }
  override async stop(): Promise<void> {
    this.stops++;
  }
}

function mirtaConfig(id: string, tenants: Record<string, string>, key = 'mirta-key-0123456789'): SourceConfig {
  const config = ConfigSchema.parse({
    auth: { tokens: [{ token: 'manager-test-token-0123456789', tenants: ['acme'], scopes: ['*'] }] },
    sources: [{ id, vendor: 'mirta', url: 'http://127.0.0.1:9/pbx/proxyapi.php', key, tenants, limits: { timeout: '3s' } }],
  });
  const [source] = config.sources;
  if (!source) throw new Error('no source');
  return source;
}

describe('SourceManager', () => {
  let bus: Bus;
  let events: EventCollector;
  let manager: SourceManager;
  let built: LifecycleSource[];
  let failNextStart: boolean;
  const logger = pino({ level: 'silent' });

  beforeEach(() => {
    bus = memoryBus(logger, 1000, 60_000);
    events = collectEvents(bus);
    built = [];
    failNextStart = false;
    manager = new SourceManager({
      bus,
      logger,
      build: (config): Source => {
        const tenants = 'tenants' in config ? Object.keys(config.tenants) : [config.tenant];
        const source = new LifecycleSource({ id: config.id, tenants, vendor: config.vendor });
        source.failStart = failNextStart;
        built.push(source);
        return source;
      },
    });
  });
  afterEach(async () => {
    await manager.close();
    events.stop();
    await bus.close();
  });

  it('adds: builds, registers, starts, with its own budget and limits', async () => {
    const source = await manager.add(mirtaConfig('a', { acme: 'ACME' }));
    expect(built[0]?.starts).toBe(1);
    expect(manager.directory.get('a')).toBe(source);
    expect(manager.budget('a')).toBeDefined();
    expect(manager.limits('a')?.timeout).toBe(3_000);
    expect(manager.get('a')).toMatchObject({ id: 'a', vendor: 'mirta', tenants: ['acme'], origin: 'config' });
    await manager.add(mirtaConfig('b', { acme: 'ACME' }), { origin: 'api' });
    expect(manager.list().map((info) => [info.id, info.origin])).toEqual([
      ['a', 'config'],
      ['b', 'api'],
    ]);
    await expect(manager.add(mirtaConfig('a', { acme: 'ACME' }))).rejects.toMatchObject({ code: 'duplicate' });
    expect(built).toHaveLength(2);
  });

  it('removes: stops, unregisters, drops the budget, and publishes source.down to each tenant', async () => {
    await manager.add(mirtaConfig('a', { acme: 'ACME', globex: 'GLOBEX' }));
    const upAt = '2026-11-23T10:00:00.000Z';
    for (const tenant of ['acme', 'globex']) {
      await bus.publish(tenant, [
        { topic: 'sources', type: 'source.up', key: 'a', source: 'a', ts: upAt, data: { source: 'a', observedAt: upAt, vendor: 'mirta', status: 'up', lastOkAt: upAt } },
      ]);
    }
    const mark = events.mark();
    expect(await manager.remove('a', { reason: 'source disabled' })).toBe(true);
    expect(built[0]?.stops).toBe(1);
    expect(manager.directory.get('a')).toBeUndefined();
    expect(manager.budget('a')).toBeUndefined();
    expect(manager.get('a')).toBeUndefined();
    const down = events.since(mark);
    expect(down.map((e) => [e.tenant, e.type, e.key])).toEqual([
      ['acme', 'source.down', 'a'],
      ['globex', 'source.down', 'a'],
    ]);
    expect(down[0]?.data).toMatchObject({ status: 'down', lastError: 'source disabled', lastOkAt: upAt, vendor: 'mirta' } satisfies Partial<SourceEntity>);
    expect(await manager.remove('a')).toBe(false);
  });

  it('replaces: a fresh source and budget for that id, other sources untouched, no source.down', async () => {
    await manager.add(mirtaConfig('a', { acme: 'ACME' }));
    await manager.add(mirtaConfig('other', { acme: 'ACME' }));
    const [oldA, other] = built;
    const oldBudget = manager.budget('a');
    const otherBudget = manager.budget('other');
    const mark = events.mark();
    const next = await manager.replace(mirtaConfig('a', { acme: 'ACME' }, 'a-new-key-0123456789'));
    expect(oldA?.stops).toBe(1);
    expect(next).not.toBe(oldA);
    expect((next as LifecycleSource).starts).toBe(1);
    expect(manager.directory.get('a')).toBe(next);
    expect(manager.budget('a')).not.toBe(oldBudget);
    expect(other?.stops).toBe(0);
    expect(manager.budget('other')).toBe(otherBudget);
    expect(events.since(mark)).toEqual([]);
    await expect(manager.replace(mirtaConfig('nope', { acme: 'ACME' }))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('leaves nothing behind when a source fails to start', async () => {
    failNextStart = true;
    await expect(manager.add(mirtaConfig('a', { acme: 'ACME' }))).rejects.toThrow('cannot start');
    expect(manager.directory.get('a')).toBeUndefined();
    expect(manager.budget('a')).toBeUndefined();
    failNextStart = false;
    await manager.add(mirtaConfig('a', { acme: 'ACME' }));
    expect(manager.get('a')).toBeDefined();
  });

  it('closes: stops every source without source.down, then refuses to add', async () => {
    await manager.add(mirtaConfig('a', { acme: 'ACME' }));
    await manager.add(mirtaConfig('b', { acme: 'ACME' }));
    const mark = events.mark();
    await manager.close();
    expect(built.map((source) => source.stops)).toEqual([1, 1]);
    expect(manager.list()).toEqual([]);
    expect(events.since(mark)).toEqual([]);
    await expect(manager.add(mirtaConfig('c', { acme: 'ACME' }))).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('gives the command layer each source\'s budget and limits, for sources added at run time too', async () => {
    const dispatcher = new CommandDispatcher({
      sources: manager.directory,
      budgets: (id) => manager.budget(id),
      limits: (id) => manager.limits(id),
      store: new MemoryIdempotencyStore(),
      bus,
      logger,
    });
    const principal = { label: 'test', tenants: new Set(['acme']), scopes: new Set(['*'] as const) };
    const hangup = (id: string) => ({ id, tenant: 'acme', type: 'hangup', source: 'late', args: { channel: 'SIP/100-1' } });
    try {
      expect(await dispatcher.execute(principal, hangup('c1'))).toMatchObject({ ok: false, error: { code: 'not_found' } });
      await manager.add(mirtaConfig('late', { acme: 'ACME' }), { origin: 'api' });
      expect(await dispatcher.execute(principal, hangup('c2'))).toEqual({ ok: true, result: { ok: true } });
      expect(built[0]?.calls).toHaveLength(1);
      await manager.remove('late');
      expect(await dispatcher.execute(principal, hangup('c3'))).toMatchObject({ ok: false, error: { code: 'not_found' } });
    } finally {
      await dispatcher.close();
    }
  });
});
